import ReactMarkdown, { type Components } from "react-markdown";
import remarkBreaks from "remark-breaks";
import remarkGfm from "remark-gfm";

/**
 * Markdown as chat writes it (a single newline is a line break) rendered safely: raw HTML is never interpreted (no rehype-raw), URLs go through react-markdown's default
 * sanitizer (no `javascript:`), links open in a new tab without an opener.
 */
const components: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  img: ({ node: _node, alt, src }) => (typeof src === "string" ? <img src={src} alt={alt ?? ""} loading="lazy" /> : null),
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
