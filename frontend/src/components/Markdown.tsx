import ReactMarkdown, { type Components } from "react-markdown";
import remarkBreaks from "remark-breaks";
import remarkGfm from "remark-gfm";

let imageHosts: ReadonlySet<string> = new Set();

/** Hosts whose HTTPS images markdown may show (`images.allowed_hosts` of `/api/config`, AYA_IMAGE_HOSTS). */
export function setImageHosts(hosts: readonly string[]): void {
  imageHosts = new Set(hosts.map((h) => h.toLowerCase()));
}

/** Same-origin images, and HTTPS images from an allow-listed host; anything else would let text make the browser
 * fetch a remote URL (tracking, or data sent out in the URL). */
export function imageAllowed(src: string): boolean {
  try {
    const url = new URL(src, location.href);
    return url.origin === location.origin || (url.protocol === "https:" && imageHosts.has(url.hostname.toLowerCase()));
  } catch {
    return false;
  }
}

/**
 * Markdown as chat writes it (a single newline is a line break) rendered safely: raw HTML is never interpreted (no rehype-raw), URLs go through react-markdown's default
 * sanitizer (no `javascript:`), links open in a new tab without an opener, remote images only from allow-listed hosts
 * (others are shown as their alt text).
 */
const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  img: ({ node: _node, alt, src }) =>
    typeof src === "string" && imageAllowed(src) ? (
      <img src={src} alt={alt ?? ""} loading="lazy" referrerPolicy="no-referrer" />
    ) : alt ? (
      <span className="md-image-blocked">[{alt}]</span>
    ) : null,
};

export function Markdown({ text, className }: { text: string; className?: string }) {
  return (
    <div className={className ? `md ${className}` : "md"}>
      <ReactMarkdown remarkPlugins={[remarkGfm, remarkBreaks]} components={components} skipHtml>
        {text}
      </ReactMarkdown>
    </div>
  );
}
