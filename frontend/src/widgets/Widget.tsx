/**
 * Renders a ChatKit widget tree (`WidgetItem.widget`). Every component of the SDK has a renderer; a component this
 * client does not know degrades to its children or its text, never to nothing.
 */

import { createContext, useContext, useState, type CSSProperties, type FormEvent, type ReactNode } from "react";
import type { ActionConfig, WidgetComponent } from "../chatkit/types";
import { imageAllowed, Markdown } from "../components/Markdown";
import { iconGlyph } from "./icons";
import {
  ALIGN,
  borders,
  CAPTION_SIZE,
  color,
  JUSTIFY,
  length,
  radius,
  space,
  spacing,
  TEXT_SIZE,
  TITLE_SIZE,
  WEIGHT,
  type Theme,
} from "./tokens";

export type ActionHandler = (action: ActionConfig, itemId: string | null) => void;

interface WidgetEnv {
  theme: Theme;
  itemId: string | null;
  onAction: ActionHandler;
  /** True while a response streams: server actions wait for it. */
  busy: boolean;
}

const WidgetContext = createContext<WidgetEnv>({ theme: "light", itemId: null, onAction: () => {}, busy: false });

/** The form an action-bearing control sits in, so a submit carries the form's values. */
const FormContext = createContext<HTMLFormElement | null>(null);

function kids(c: WidgetComponent): WidgetComponent[] {
  const ch = c.children;
  if (!ch) return [];
  return Array.isArray(ch) ? ch : [ch];
}

type Option = { value: string; label: string; disabled?: boolean };

/** The ``options`` of a Select or RadioGroup ([] when the component sent none). */
function options(c: WidgetComponent): Option[] {
  return Array.isArray(c.options) ? (c.options as Option[]) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/** Plain text of a subtree (fallback rendering, copy text, accessibility). */
export function widgetText(c: WidgetComponent): string {
  const own = [c.value, c.label, c.title, c.text, c.alt]
    .map(str)
    .filter((s): s is string => !!s && s.trim() !== "");
  const children = kids(c).map(widgetText).filter(Boolean);
  return [...own, ...children].join(" ").trim();
}

function formValues(form: HTMLFormElement | null): Record<string, unknown> {
  if (!form) return {};
  const values: Record<string, unknown> = {};
  new FormData(form).forEach((value, key) => {
    if (typeof value !== "string") return;
    const prev = values[key];
    values[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  });
  form.querySelectorAll<HTMLInputElement>("input[type=checkbox][name]").forEach((box) => {
    values[box.name] = box.checked;
  });
  return values;
}

function withForm(action: ActionConfig, form: HTMLFormElement | null): ActionConfig {
  if (!form) return action;
  const values = formValues(form);
  const payload = action.payload;
  const merged =
    payload && typeof payload === "object" && !Array.isArray(payload) ? { ...payload, ...values } : { ...values };
  return { ...action, payload: merged };
}

function useDispatch() {
  const env = useContext(WidgetContext);
  const form = useContext(FormContext);
  return (action: ActionConfig | undefined) => {
    if (!action) return;
    env.onAction(withForm(action, form), env.itemId);
  };
}

function boxStyle(c: WidgetComponent, theme: Theme, direction: "row" | "column"): CSSProperties {
  return {
    display: "flex",
    flexDirection: direction,
    alignItems: ALIGN[str(c.align) ?? ""] ?? (direction === "row" ? "center" : undefined),
    justifyContent: JUSTIFY[str(c.justify) ?? ""],
    flexWrap: (str(c.wrap) as CSSProperties["flexWrap"]) ?? undefined,
    flex: c.flex as CSSProperties["flex"],
    gap: space(c.gap),
    height: length(c.height ?? c.size),
    width: length(c.width ?? c.size),
    minHeight: length(c.minHeight ?? c.minSize),
    minWidth: length(c.minWidth ?? c.minSize),
    maxHeight: length(c.maxHeight ?? c.maxSize),
    maxWidth: length(c.maxWidth ?? c.maxSize),
    padding: spacing(c.padding),
    margin: spacing(c.margin),
    borderRadius: radius(c.radius),
    background: color(c.background, theme, "surface"),
    aspectRatio: c.aspectRatio as CSSProperties["aspectRatio"],
    ...borders(c.border, theme),
  };
}

function textStyle(c: WidgetComponent, theme: Theme, sizes: Record<string, string>): CSSProperties {
  const maxLines = typeof c.maxLines === "number" ? c.maxLines : undefined;
  return {
    color: color(c.color, theme, "text"),
    fontWeight: WEIGHT[str(c.weight) ?? ""],
    fontSize: sizes[str(c.size) ?? ""],
    textAlign: (c.textAlign === "end" ? "right" : c.textAlign === "center" ? "center" : undefined) as
      | CSSProperties["textAlign"]
      | undefined,
    fontStyle: c.italic ? "italic" : undefined,
    textDecoration: c.lineThrough ? "line-through" : undefined,
    width: length(c.width),
    ...(c.truncate ? { whiteSpace: "nowrap", overflow: "hidden", textOverflow: "ellipsis" } : {}),
    ...(maxLines
      ? { display: "-webkit-box", WebkitLineClamp: maxLines, WebkitBoxOrient: "vertical", overflow: "hidden" }
      : {}),
  };
}

function Status({ status }: { status: unknown }) {
  if (!status || typeof status !== "object") return null;
  const s = status as { text?: string; icon?: string; favicon?: string };
  return (
    <div className="w-status">
      {s.favicon ? <img src={s.favicon} alt="" width={16} height={16} /> : s.icon ? <span>{iconGlyph(s.icon)}</span> : null}
      <span>{s.text}</span>
    </div>
  );
}

function Children({ of }: { of: WidgetComponent }) {
  return (
    <>
      {kids(of).map((child, i) => (
        <Node key={child.key ?? child.id ?? i} c={child} />
      ))}
    </>
  );
}

function ActionButton({ c }: { c: WidgetComponent }) {
  const env = useContext(WidgetContext);
  const dispatch = useDispatch();
  const action = c.onClickAction as ActionConfig | undefined;
  const serverAction = action && action.handler !== "client";
  const label = str(c.label);
  const variant = str(c.variant) ?? (c.style === "secondary" ? "outline" : "solid");
  const colorName = str(c.color) ?? (c.style === "secondary" ? "secondary" : "primary");
  return (
    <button
      type={c.submit ? "submit" : "button"}
      className={`w-button w-button-${variant} w-color-${colorName} w-size-${str(c.size) ?? "md"}${c.pill ? " w-pill" : ""}${c.block ? " w-block" : ""}`}
      disabled={Boolean(c.disabled) || (serverAction && env.busy)}
      data-own-action={c.submit && action ? "1" : undefined}
      aria-label={label ? undefined : (str(c.iconStart) ?? str(c.iconEnd) ?? "action")}
      onClick={c.submit && !action ? undefined : () => dispatch(action)}
    >
      {c.iconStart ? <span aria-hidden="true">{iconGlyph(String(c.iconStart))}</span> : null}
      {label}
      {c.iconEnd ? <span aria-hidden="true">{iconGlyph(String(c.iconEnd))}</span> : null}
    </button>
  );
}

function FormShell({ c, action, style, children }: { c: WidgetComponent; action?: ActionConfig; style?: CSSProperties; children: ReactNode }) {
  const env = useContext(WidgetContext);
  const [form, setForm] = useState<HTMLFormElement | null>(null);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter;
    // A submit button with its own action already dispatched it (with the form's values).
    if (submitter?.getAttribute("data-own-action") === "1") return;
    if (action) env.onAction(withForm(action, e.currentTarget), env.itemId);
  };
  return (
    <form ref={setForm} className="w-form" style={style} onSubmit={onSubmit} data-widget={c.type}>
      <FormContext.Provider value={form}>{children}</FormContext.Provider>
    </form>
  );
}

function Card({ c }: { c: WidgetComponent }) {
  const env = useContext(WidgetContext);
  const confirm = c.confirm as { label: string; action: ActionConfig } | undefined;
  const cancel = c.cancel as { label: string; action: ActionConfig } | undefined;
  const style: CSSProperties = {
    background: color(c.background, env.theme, "surface"),
    padding: spacing(c.padding),
    ...borders(c.border, env.theme),
  };
  const body = (
    <>
      <Status status={c.status} />
      {c.collapsed ? null : (
        <div className="w-card-body">
          <Children of={c} />
        </div>
      )}
      {confirm || cancel ? (
        <div className="w-card-footer">
          {cancel ? (
            <button type="button" className="w-button w-button-outline w-color-secondary" onClick={() => env.onAction(cancel.action, env.itemId)}>
              {cancel.label}
            </button>
          ) : null}
          {confirm ? (
            <button
              type={c.asForm ? "submit" : "button"}
              className="w-button w-button-solid w-color-primary"
              disabled={env.busy}
              onClick={c.asForm ? undefined : () => env.onAction(confirm.action, env.itemId)}
            >
              {confirm.label}
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
  const className = `w-card w-card-${str(c.size) ?? "md"}`;
  if (c.asForm) {
    return (
      <div className={className} data-widget="Card">
        <FormShell c={c} action={confirm?.action}>
          {body}
        </FormShell>
      </div>
    );
  }
  return (
    <div className={className} style={style} data-widget="Card">
      {body}
    </div>
  );
}

function ListView({ c }: { c: WidgetComponent }) {
  const items = kids(c);
  const limit = typeof c.limit === "number" ? c.limit : items.length;
  const [expanded, setExpanded] = useState(false);
  const shown = expanded ? items : items.slice(0, limit);
  return (
    <div className="w-listview" data-widget="ListView">
      <Status status={c.status} />
      <ul>
        {shown.map((child, i) => (
          <Node key={child.key ?? child.id ?? i} c={child} />
        ))}
      </ul>
      {shown.length < items.length ? (
        <button type="button" className="w-button w-button-ghost w-color-secondary w-block" onClick={() => setExpanded(true)}>
          Show {items.length - shown.length} more
        </button>
      ) : null}
    </div>
  );
}

function ListViewItem({ c }: { c: WidgetComponent }) {
  const env = useContext(WidgetContext);
  const dispatch = useDispatch();
  const action = c.onClickAction as ActionConfig | undefined;
  const style: CSSProperties = { display: "flex", gap: space(c.gap ?? 3), alignItems: ALIGN[str(c.align) ?? ""] ?? "center" };
  if (!action) {
    return (
      <li className="w-listview-item" style={style} data-widget="ListViewItem">
        <Children of={c} />
      </li>
    );
  }
  return (
    <li className="w-listview-item w-clickable" data-widget="ListViewItem">
      <button
        type="button"
        className="w-listview-button"
        style={style}
        disabled={action.handler !== "client" && env.busy}
        onClick={() => dispatch(action)}
      >
        <Children of={c} />
      </button>
    </li>
  );
}

function Table({ c }: { c: WidgetComponent }) {
  const rows = kids(c);
  const header = rows.filter((r) => r.header);
  const body = rows.filter((r) => !r.header);
  const row = (r: WidgetComponent, i: number, head: boolean) => (
    <tr key={r.key ?? r.id ?? i}>
      {kids(r).map((cell, j) => {
        const Cell = head ? "th" : "td";
        return (
          <Cell
            key={cell.key ?? cell.id ?? j}
            colSpan={typeof cell.colSpan === "number" ? cell.colSpan : undefined}
            rowSpan={typeof cell.rowSpan === "number" ? cell.rowSpan : undefined}
            scope={head ? "col" : undefined}
            style={{
              textAlign: (cell.align as CSSProperties["textAlign"]) ?? undefined,
              verticalAlign: (cell.vAlign as CSSProperties["verticalAlign"]) ?? undefined,
              width: length(cell.width),
              padding: spacing(cell.padding),
            }}
          >
            {cell.type === "Table.Cell" ? <Children of={cell} /> : <Node c={cell} />}
          </Cell>
        );
      })}
    </tr>
  );
  return (
    <div className="w-table-wrap" data-widget="Table">
      <table className="w-table">
        {header.length ? <thead>{header.map((r, i) => row(r, i, true))}</thead> : null}
        <tbody>{body.map((r, i) => row(r, i, false))}</tbody>
      </table>
    </div>
  );
}

function Chart({ c }: { c: WidgetComponent }) {
  // A chart degrades to its data as a table: readable, accessible, and no charting dependency.
  const data = Array.isArray(c.data) ? (c.data as Record<string, unknown>[]) : [];
  const series = Array.isArray(c.series) ? (c.series as { dataKey: string; label?: string }[]) : [];
  const xKey = typeof c.xAxis === "string" ? c.xAxis : ((c.xAxis as { dataKey?: string } | undefined)?.dataKey ?? "");
  return (
    <div className="w-table-wrap" data-widget="Chart">
      <table className="w-table">
        <thead>
          <tr>
            <th scope="col">{xKey}</th>
            {series.map((s) => (
              <th scope="col" key={s.dataKey}>
                {s.label ?? s.dataKey}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.map((row, i) => (
            <tr key={i}>
              <td>{str(row[xKey])}</td>
              {series.map((s) => (
                <td key={s.dataKey}>{str(row[s.dataKey])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ControlLabel({ label, children }: { label?: string; children: ReactNode }) {
  return label ? (
    <label className="w-control">
      <span>{label}</span>
      {children}
    </label>
  ) : (
    <>{children}</>
  );
}

function ChangeDispatch({ c, children }: { c: WidgetComponent; children: (onChange: () => void) => ReactNode }) {
  const dispatch = useDispatch();
  return <>{children(() => dispatch(c.onChangeAction as ActionConfig | undefined))}</>;
}

/** One component. Exported for tests. */
export function Node({ c }: { c: WidgetComponent }): ReactNode {
  const env = useContext(WidgetContext);
  const theme = env.theme;
  switch (c.type) {
    case "Card":
      return <Card c={c} />;
    case "ListView":
      return <ListView c={c} />;
    case "ListViewItem":
      return <ListViewItem c={c} />;
    case "Basic":
      return (
        <div className="w-basic" style={boxStyle(c, theme, c.direction === "row" ? "row" : "column")} data-widget="Basic">
          <Children of={c} />
        </div>
      );
    case "Box":
    case "Row":
    case "Col": {
      const direction = c.type === "Row" || (c.type === "Box" && c.direction === "row") ? "row" : "column";
      return (
        <div className={`w-${c.type.toLowerCase()}`} style={boxStyle(c, theme, direction)} data-widget={c.type}>
          <Children of={c} />
        </div>
      );
    }
    case "Form":
      return (
        <FormShell c={c} action={c.onSubmitAction as ActionConfig | undefined} style={boxStyle(c, theme, c.direction === "row" ? "row" : "column")}>
          <Children of={c} />
        </FormShell>
      );
    case "Transition":
      return <Children of={c} />;
    case "Spacer":
      return <div className="w-spacer" style={{ flex: 1, minWidth: length(c.minSize), minHeight: length(c.minSize) }} />;
    case "Divider":
      return (
        <hr
          className={`w-divider${c.flush ? " w-flush" : ""}`}
          style={{
            borderTopColor: color(c.color ?? "default", theme, "border"),
            borderTopWidth: length(c.size),
            marginBlock: space(c.spacing),
          }}
        />
      );
    case "Title":
      return (
        <div className="w-title" role="heading" aria-level={3} style={textStyle(c, theme, TITLE_SIZE)}>
          {str(c.value)}
        </div>
      );
    case "Text":
      return (
        <p className={`w-text${c.streaming ? " w-streaming" : ""}`} style={textStyle(c, theme, TEXT_SIZE)}>
          {str(c.value)}
        </p>
      );
    case "Caption":
      return (
        <p className="w-caption" style={textStyle(c, theme, CAPTION_SIZE)}>
          {str(c.value)}
        </p>
      );
    case "Markdown":
      return <Markdown text={str(c.value) ?? ""} className={c.streaming ? "w-markdown w-streaming" : "w-markdown"} />;
    case "Badge":
      return (
        <span className={`w-badge w-badge-${str(c.variant) ?? "soft"} w-color-${str(c.color) ?? "secondary"}${c.pill ? " w-pill" : ""}`}>
          {str(c.label)}
        </span>
      );
    case "Icon":
      return (
        <span className="w-icon" aria-hidden="true" style={{ color: color(c.color, theme, "text") }}>
          {iconGlyph(String(c.name ?? ""))}
        </span>
      );
    case "Image":
      // product images only from this server or an allow-listed HTTPS host (AYA_IMAGE_HOSTS)
      if (!imageAllowed(str(c.src) ?? "")) return null;
      return (
        <img
          className={`w-image${c.frame ? " w-frame" : ""}`}
          src={str(c.src)}
          alt={str(c.alt) ?? ""}
          loading="lazy"
          style={{
            objectFit: (str(c.fit) as CSSProperties["objectFit"]) ?? "cover",
            objectPosition: str(c.position),
            borderRadius: radius(c.radius),
            width: length(c.width ?? c.size),
            height: length(c.height ?? c.size),
            minWidth: length(c.minWidth ?? c.minSize),
            minHeight: length(c.minHeight ?? c.minSize),
            maxWidth: length(c.maxWidth ?? c.maxSize),
            maxHeight: length(c.maxHeight ?? c.maxSize),
            margin: spacing(c.margin),
            background: color(c.background, theme, "surface"),
            aspectRatio: c.aspectRatio as CSSProperties["aspectRatio"],
            flex: c.flex as CSSProperties["flex"],
          }}
          onError={(e) => {
            e.currentTarget.style.visibility = "hidden";
          }}
        />
      );
    case "Button":
      return <ActionButton c={c} />;
    case "Table":
      return <Table c={c} />;
    case "Table.Row":
    case "Table.Cell":
      return (
        <div className="w-row" style={{ display: "flex", gap: "8px" }}>
          <Children of={c} />
        </div>
      );
    case "Chart":
      return <Chart c={c} />;
    case "Label":
      return (
        <label className="w-label" htmlFor={str(c.fieldName)} style={textStyle(c, theme, TEXT_SIZE)}>
          {str(c.value)}
        </label>
      );
    case "Input":
      return (
        <input
          className="w-input"
          id={str(c.name)}
          name={str(c.name)}
          type={str(c.inputType) ?? "text"}
          defaultValue={str(c.defaultValue)}
          placeholder={str(c.placeholder)}
          required={Boolean(c.required)}
          pattern={str(c.pattern)}
          disabled={Boolean(c.disabled)}
          autoFocus={Boolean(c.autoFocus)}
        />
      );
    case "Textarea":
      return (
        <textarea
          className="w-input"
          id={str(c.name)}
          name={str(c.name)}
          defaultValue={str(c.defaultValue)}
          placeholder={str(c.placeholder)}
          required={Boolean(c.required)}
          disabled={Boolean(c.disabled)}
          rows={typeof c.rows === "number" ? c.rows : 3}
        />
      );
    case "Select":
      return (
        <ChangeDispatch c={c}>
          {(onChange) => (
            <select
              className="w-input"
              name={str(c.name)}
              defaultValue={str(c.defaultValue) ?? ""}
              disabled={Boolean(c.disabled)}
              aria-label={str(c.placeholder) ?? str(c.name)}
              onChange={onChange}
            >
              {c.placeholder ? <option value="">{str(c.placeholder)}</option> : null}
              {options(c).map((o) => (
                <option key={o.value} value={o.value} disabled={o.disabled}>
                  {o.label}
                </option>
              ))}
            </select>
          )}
        </ChangeDispatch>
      );
    case "Checkbox":
      return (
        <ChangeDispatch c={c}>
          {(onChange) => (
            <ControlLabel label={str(c.label)}>
              <input type="checkbox" name={str(c.name)} defaultChecked={Boolean(c.defaultChecked)} disabled={Boolean(c.disabled)} onChange={onChange} />
            </ControlLabel>
          )}
        </ChangeDispatch>
      );
    case "RadioGroup":
      return (
        <ChangeDispatch c={c}>
          {(onChange) => (
            <div role="radiogroup" aria-label={str(c.ariaLabel) ?? str(c.name)} className={`w-radios w-radios-${str(c.direction) ?? "col"}`}>
              {options(c).map((o) => (
                <label key={o.value} className="w-control">
                  <input
                    type="radio"
                    name={str(c.name)}
                    value={o.value}
                    defaultChecked={o.value === c.defaultValue}
                    disabled={Boolean(c.disabled || o.disabled)}
                    onChange={onChange}
                  />
                  <span>{o.label}</span>
                </label>
              ))}
            </div>
          )}
        </ChangeDispatch>
      );
    case "DatePicker":
      return (
        <ChangeDispatch c={c}>
          {(onChange) => (
            <input
              className="w-input"
              type="date"
              name={str(c.name)}
              aria-label={str(c.placeholder) ?? str(c.name)}
              defaultValue={str(c.defaultValue)?.slice(0, 10)}
              min={str(c.min)?.slice(0, 10)}
              max={str(c.max)?.slice(0, 10)}
              disabled={Boolean(c.disabled)}
              onChange={onChange}
            />
          )}
        </ChangeDispatch>
      );
    default:
      return <Unknown c={c} />;
  }
}

/** A component this client does not know: its children if it has any, else its text; never a blank. */
function Unknown({ c }: { c: WidgetComponent }) {
  if (kids(c).length > 0) {
    return (
      <div className="w-unknown" data-widget={c.type}>
        <Children of={c} />
      </div>
    );
  }
  const text = widgetText(c);
  return (
    <span className="w-unknown" data-widget={c.type}>
      {text || `[${c.type}]`}
    </span>
  );
}

export interface WidgetProps {
  widget: WidgetComponent;
  itemId: string | null;
  theme: Theme;
  onAction: ActionHandler;
  busy?: boolean;
}

/** A widget root (Card, ListView, Basic or anything else). */
export function Widget({ widget, itemId, theme, onAction, busy = false }: WidgetProps) {
  const forced = widget.theme === "light" || widget.theme === "dark" ? (widget.theme as Theme) : undefined;
  return (
    <WidgetContext.Provider value={{ theme: forced ?? theme, itemId, onAction, busy }}>
      <div className="widget" data-theme={forced}>
        <Node c={widget} />
      </div>
    </WidgetContext.Provider>
  );
}
