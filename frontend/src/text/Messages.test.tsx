import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { reduceEvents } from "../chatkit/reducer";
import { parseEventData } from "../chatkit/sse";
import { fixture } from "../chatkit/testing";
import type { ThreadItem, WidgetComponent } from "../chatkit/types";
import { followUpsOf, Messages } from "./Messages";

const state = reduceEvents(
  fixture("synthetic_conversation.sse")
    .split("\n\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => parseEventData(f.slice(6))),
);

function render(items: ThreadItem[], openItems: string[] = []) {
  return renderToStaticMarkup(
    <Messages
      items={items}
      pendingUser={null}
      streaming={openItems.length > 0}
      openItems={openItems}
      theme="light"
      feedback={{}}
      onAction={() => {}}
      onFeedback={async () => true}
    />,
  );
}

describe("Messages", () => {
  const html = render(state.items);

  it("renders the user's message, the answer as markdown with its sources, and the widgets", () => {
    expect(html).toContain("food for my senior cat");
    expect(html).toContain("Here are <strong>two</strong> picks.");
    expect(html).toMatch(/<ol class="sources"[^>]*><li><a href="https:\/\/example.test\/p1"[^>]*>Catalog<\/a>/);
    expect(html).toContain("Salmon Senior Cat Food");
    expect(html).toContain('aria-label="Good answer"');
  });

  it("announces the newest answer in the aria-live region", () => {
    expect(html).toMatch(/aria-live="polite"[^>]*>[^<]*Salmon Senior/);
  });

  it("never renders raw HTML from an answer, and hides tools while it streams", () => {
    const evil: ThreadItem = {
      id: "msg_x",
      thread_id: "t",
      created_at: "",
      type: "assistant_message",
      content: [{ type: "output_text", text: 'Hi <img src=x onerror="alert(1)"> [click](javascript:alert(1))' }],
    };
    const out = render([evil], ["msg_x"]);
    expect(out).not.toContain("<img");
    expect(out).not.toContain('href="javascript:');
    expect(out).not.toContain('aria-label="Good answer"');
    expect(out).toContain('class="md streaming"');
  });

  it("shows a pending structured input as choices with Send and Skip, an answered one read-only", () => {
    const base = { thread_id: "t", created_at: "", type: "structured_input" as const };
    const inputs = [
      { type: "multiple_choice" as const, id: "age", question: "How old is she?", options: [{ value: "kitten" }, { value: "senior" }] },
      { type: "freeform" as const, id: "note", question: "Anything else?" },
    ];
    const pending = renderToStaticMarkup(
      <Messages
        items={[{ ...base, id: "si_1", status: "pending", inputs }]}
        pendingUser={null}
        streaming={false}
        openItems={[]}
        theme="light"
        feedback={{}}
        onAction={() => {}}
        onFeedback={async () => true}
        onAnswer={() => {}}
      />,
    );
    expect(pending).toContain("How old is she?");
    expect(pending).toMatch(/<button[^>]*aria-pressed="false"[^>]*>senior<\/button>/);
    expect(pending).toContain('aria-label="Anything else?"');
    expect(pending).toMatch(/>Send answers<\/button>/);
    const answered = render([
      {
        ...base,
        id: "si_1",
        status: "answered",
        inputs: [{ ...inputs[0], answer: { values: ["senior"], skipped: false } }, { ...inputs[1], answer: { values: [], skipped: true } }],
      },
    ]);
    expect(answered).toMatch(/class="answer">senior</);
    expect(answered).toMatch(/class="answer">skipped</);
    expect(answered).not.toContain("Send answers");
  });
});

describe("follow-up chips", () => {
  const chips: ThreadItem = {
    id: "msg_chips",
    type: "widget",
    thread_id: "thr_1",
    created_at: "",
    widget: {
      type: "Basic",
      key: "aya.followups",
      children: [
        {
          type: "Row",
          children: [
            { type: "Button", label: "Cheaper", onClickAction: { type: "aya.followup", payload: { message: "something cheaper?" }, handler: "client" } },
            { type: "Button", label: "Compare 1 & 2", onClickAction: { type: "aya.followup", payload: { message: "compare the first two" }, handler: "client" } },
          ],
        },
      ],
    },
  } as ThreadItem;

  it("reads each chip's label and message from the widget", () => {
    expect(followUpsOf((chips as { widget: WidgetComponent }).widget)).toEqual([
      { label: "Cheaper", message: "something cheaper?" },
      { label: "Compare 1 & 2", message: "compare the first two" },
    ]);
  });

  it("shows the newest answer's chips only, never while answering", () => {
    const withChips = (items: ThreadItem[], streaming = false) =>
      renderToStaticMarkup(
        <Messages
          items={items}
          pendingUser={null}
          streaming={streaming}
          openItems={[]}
          theme="light"
          feedback={{}}
          onAction={() => {}}
          onFeedback={async () => true}
          onFollowUp={() => {}}
        />,
      );
    expect(withChips([...state.items, chips])).toContain('aria-label="Suggested follow-ups"');
    expect(withChips([...state.items, chips])).toContain(">Compare 1 &amp; 2</button>");
    expect(withChips([...state.items, chips], true)).not.toContain("Suggested follow-ups");
    expect(withChips([chips, ...state.items])).not.toContain("Suggested follow-ups");
  });
});
