/**
 * How the conversation scrolls, as the best chat products do it:
 *
 * - a new answer is brought into view at its start (the shopper's message, or where an action's answer begins, at the
 *   top of the view), and the view stops there: a long answer does not push its own start off screen;
 * - new text is followed only while the reader is at the bottom (having got there themselves);
 * - scrolling up stops any following at once; a "jump to latest" button shows whenever the view is not at the bottom.
 *
 * `useScrollFollow(scrollRef, streaming, changeKey)` returns whether the view is at the bottom and `jumpToLatest`.
 */

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";

/** Within this many pixels of the end counts as "at the bottom". */
const BOTTOM_SLACK = 48;
/** Room left above the anchored message. */
const ANCHOR_MARGIN = 12;

type Mode =
  /** Follow the end of the content (the reader is at the bottom). */
  | { kind: "stick" }
  /** Scroll down as content arrives, but never past `top`: the start of the newest answer stays in view. */
  | { kind: "anchor"; top: number }
  /** The reader scrolled away: never move. */
  | { kind: "free" };

function gapToEnd(el: HTMLElement): number {
  return el.scrollHeight - el.scrollTop - el.clientHeight;
}

/** Where a new answer starts: the shopper's message when it is the last thing shown, else the end of the messages. */
function answerStart(el: HTMLElement): number {
  const messages = el.querySelector<HTMLElement>(".messages");
  if (!messages) return el.scrollHeight;
  const base = el.getBoundingClientRect().top - el.scrollTop;
  const last = messages.lastElementChild?.previousElementSibling ?? null; // the live region is the last child
  if (last instanceof HTMLElement && last.classList.contains("user")) {
    return last.getBoundingClientRect().top - base - ANCHOR_MARGIN;
  }
  return messages.getBoundingClientRect().bottom - base - ANCHOR_MARGIN;
}

export function useScrollFollow(scrollRef: RefObject<HTMLElement | null>, streaming: boolean, changeKey: unknown) {
  const mode = useRef<Mode>({ kind: "stick" });
  /** The scrollTop we set last: a scroll event landing there is ours, not the reader's. */
  const ours = useRef<number | null>(null);
  const lastTop = useRef(0);
  const [atBottom, setAtBottom] = useState(true);

  const scrollTo = useCallback(
    (top: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const target = Math.max(0, Math.min(top, el.scrollHeight - el.clientHeight));
      if (Math.abs(target - el.scrollTop) < 1) return;
      ours.current = target;
      el.scrollTop = target;
    },
    [scrollRef],
  );

  /** Apply the mode to the content as it is now. */
  const follow = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const m = mode.current;
    if (m.kind === "stick") scrollTo(el.scrollHeight);
    else if (m.kind === "anchor" && el.scrollTop < m.top) scrollTo(m.top);
    setAtBottom(gapToEnd(el) <= BOTTOM_SLACK);
  }, [scrollRef, scrollTo]);

  // The reader's scrolling: up stops following; reaching the bottom by themselves resumes it.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      const top = el.scrollTop;
      const mine = ours.current !== null && Math.abs(top - ours.current) < 2;
      if (!mine) {
        ours.current = null;
        if (top < lastTop.current - 1) mode.current = { kind: "free" };
        else if (gapToEnd(el) <= BOTTOM_SLACK) mode.current = { kind: "stick" };
      }
      lastTop.current = top;
      setAtBottom(gapToEnd(el) <= BOTTOM_SLACK);
    };
    // Wheel and touch say "the reader moved" before any scroll event (and even when nothing can scroll yet).
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY < 0) mode.current = { kind: "free" };
    };
    const onTouch = () => {
      if (mode.current.kind !== "stick") return;
      mode.current = { kind: "free" };
    };
    el.addEventListener("scroll", onScroll, { passive: true });
    el.addEventListener("wheel", onWheel, { passive: true });
    el.addEventListener("touchmove", onTouch, { passive: true });
    // Content that changes size by itself (images, fonts) is followed too.
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => follow());
    const content = el.firstElementChild;
    if (observer && content) observer.observe(content);
    return () => {
      el.removeEventListener("scroll", onScroll);
      el.removeEventListener("wheel", onWheel);
      el.removeEventListener("touchmove", onTouch);
      observer?.disconnect();
    };
  }, [scrollRef, follow]);

  // A new answer starts: bring its start into view, then keep it there.
  const wasStreaming = useRef(streaming);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (streaming && !wasStreaming.current && el) mode.current = { kind: "anchor", top: answerStart(el) };
    wasStreaming.current = streaming;
  }, [streaming, scrollRef]);

  useLayoutEffect(() => {
    follow();
  }, [changeKey, follow]);

  const jumpToLatest = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    mode.current = { kind: "stick" };
    scrollTo(el.scrollHeight);
    setAtBottom(true);
  }, [scrollRef, scrollTo]);

  /** A thread was opened: show its end. */
  const toEnd = useCallback(() => {
    mode.current = { kind: "stick" };
    follow();
  }, [follow]);

  return { atBottom, jumpToLatest, toEnd };
}
