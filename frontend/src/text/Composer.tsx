import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Attachment } from "../chatkit/types";
import { DictateButton } from "./Dictation";
import { Icon } from "../components/Icon";

interface Props {
  placeholder: string;
  streaming: boolean;
  canStop: boolean;
  disabled?: boolean;
  attachments: { enabled: boolean; accept: string[]; maxBytes: number | null };
  onSend: (text: string, attachments: Attachment[]) => void;
  onStop: () => void;
  upload: (file: File) => Promise<Attachment>;
  /** Dictation (`input.transcribe`); the button shows when the browser can record. */
  transcribe?: (audio: Blob) => Promise<string>;
  discard: (attachmentId: string) => Promise<void>;
  /** Text given back to the composer (a message that could not be sent); applied when `nonce` changes. */
  draft?: { text: string; nonce: number } | null;
}

interface Upload {
  key: string;
  name: string;
  preview: string | null;
  attachment: Attachment | null;
  error: string | null;
}

export function Composer({ placeholder, streaming, canStop, disabled, attachments, onSend, onStop, upload, discard, transcribe, draft }: Props) {
  const [text, setText] = useState("");
  const [uploads, setUploads] = useState<Upload[]>([]);
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!draft) return;
    setText(draft.text);
    areaRef.current?.focus();
  }, [draft]);

  // Grow with the text, up to a limit.
  useEffect(() => {
    const area = areaRef.current;
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 200)}px`;
  }, [text]);

  const ready = uploads.filter((u) => u.attachment).map((u) => u.attachment!);
  const uploading = uploads.some((u) => !u.attachment && !u.error);
  const canSend = !streaming && !disabled && !uploading && (text.trim() !== "" || ready.length > 0);

  const submit = () => {
    if (!canSend) return;
    onSend(text, ready);
    setText("");
    setUploads((list) => {
      list.forEach((u) => u.preview && URL.revokeObjectURL(u.preview));
      return [];
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const onFiles = async (files: FileList | null) => {
    if (!files) return;
    for (const file of Array.from(files)) {
      const key = `${file.name}-${file.size}-${Date.now()}`;
      const tooBig = attachments.maxBytes !== null && file.size > attachments.maxBytes;
      const entry: Upload = {
        key,
        name: file.name,
        preview: file.type.startsWith("image/") ? URL.createObjectURL(file) : null,
        attachment: null,
        error: tooBig ? `larger than ${Math.round((attachments.maxBytes ?? 0) / 1024 / 1024)} MB` : null,
      };
      setUploads((list) => [...list, entry]);
      if (tooBig) continue;
      try {
        const attachment = await upload(file);
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, attachment } : u)));
      } catch (err) {
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, error: err instanceof Error ? err.message : String(err) } : u)));
      }
    }
    if (fileRef.current) fileRef.current.value = "";
  };

  const remove = (u: Upload) => {
    if (u.preview) URL.revokeObjectURL(u.preview);
    setUploads((list) => list.filter((x) => x.key !== u.key));
    if (u.attachment) void discard(u.attachment.id).catch(() => undefined);
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {uploads.length ? (
        <ul className="uploads" aria-label="Attachments">
          {uploads.map((u) => (
            <li key={u.key} className={u.error ? "failed" : u.attachment ? "" : "uploading"}>
              {u.preview ? <img src={u.preview} alt="" /> : <Icon name="clip" />}
              <span className="upload-name">{u.error ? `${u.name}: ${u.error}` : u.name}</span>
              <button type="button" className="icon-button" aria-label={`Remove ${u.name}`} onClick={() => remove(u)}>
                <Icon name="x" size={14} />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="composer-row">
        {attachments.enabled ? (
          <>
            <input
              ref={fileRef}
              type="file"
              accept={attachments.accept.join(",")}
              multiple
              hidden
              onChange={(e) => void onFiles(e.target.files)}
            />
            <button type="button" className="icon-button attach" aria-label="Attach a file" title="Attach an image or a file" onClick={() => fileRef.current?.click()}>
              <Icon name="clip" />
            </button>
          </>
        ) : null}
        <textarea
          ref={areaRef}
          className="composer-input"
          aria-label="Message"
          placeholder={placeholder}
          rows={1}
          value={text}
          disabled={disabled}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {transcribe ? (
          <DictateButton
            transcribe={transcribe}
            disabled={disabled}
            onText={(spoken) => {
              setText((t) => (t.trim() ? `${t.trimEnd()} ${spoken}` : spoken));
              areaRef.current?.focus();
            }}
          />
        ) : null}
        {streaming ? (
          <button type="button" className="send stop" onClick={onStop} disabled={!canStop} aria-label="Stop" title="Stop">
            <Icon name="stop" size={16} />
          </button>
        ) : (
          <button type="submit" className="send" disabled={!canSend} aria-label="Send" title="Send (Enter)">
            <Icon name="send" />
          </button>
        )}
      </div>
      <p className="composer-hint">Enter to send · Shift+Enter for a new line</p>
    </form>
  );
}
