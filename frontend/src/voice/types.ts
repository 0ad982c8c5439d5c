/** What a voice engine (offline WebSocket pipeline or OpenAI Realtime) reports to the Voice tab. */

import type { WidgetComponent } from "../chatkit/types";

export type VoiceState = "idle" | "connecting" | "listening" | "user_speaking" | "thinking" | "speaking" | "error";

export interface ProductCard {
  id: string;
  title?: string;
  brand?: string;
  price?: number;
  currency?: string;
  rating?: number | null;
  image_url?: string | null;
  url?: string | null;
  species?: string;
  life_stage?: string;
  special_features?: string[];
}

export interface TranscriptLine {
  id: string;
  role: "user" | "assistant";
  text: string;
  final: boolean;
}

export interface VoiceCallbacks {
  onState(state: VoiceState): void;
  onTranscript(line: TranscriptLine): void;
  onProducts(products: ProductCard[], widget: WidgetComponent | null): void;
  onLevel(level: number): void;
  onError(message: string): void;
  onThread?(threadId: string): void;
  /** A card that is not about products (Aya Ops' task cards): show it, replacing the card with the same id. */
  onCard?(itemId: string, widget: WidgetComponent): void;
}

/** Who the Voice tab talks to: Aya (shoppers and everyone) or Aya Ops (staff only). */
export type VoiceAssistant = "aya" | "ops";

export interface VoiceEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  setMuted(muted: boolean): void;
}

/** Server → client events of `/voice/ws` (see `aya.voice.protocol`). */
export type ServerEvent =
  | { type: "ready"; sample_rate_in: number; sample_rate_out: number; tts_engine: string; thread_id?: string }
  | { type: "state"; state: "listening" | "user_speaking" | "thinking" | "speaking" }
  | { type: "transcript"; role: "user" | "assistant"; text: string; final?: boolean }
  | { type: "products"; products: ProductCard[]; widget?: WidgetComponent | null }
  | { type: "card"; item_id: string; widget: WidgetComponent }
  | { type: "thread"; thread_id: string }
  | { type: "interrupt" }
  | { type: "response_done"; latency_ms?: number | null }
  | { type: "error"; code: string; message: string };
