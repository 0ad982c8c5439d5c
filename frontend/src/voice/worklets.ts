/**
 * The two AudioWorklet processors, loaded from a Blob URL (no extra build step):
 *
 * - `aya-capture`: microphone → 16 kHz mono PCM16 in 20 ms messages (resampled in the worklet), plus a level.
 * - `aya-playback`: Aya's PCM16 at the server's rate → the context's rate, queued; `flush` empties the queue at once
 *   (barge-in); reports when playback starts and stops.
 */

import { StreamResampler } from "./resample";

const CAPTURE = `
const StreamResampler = ${StreamResampler.toString()};
class AyaCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const target = (options.processorOptions && options.processorOptions.targetRate) || 16000;
    this.resampler = new StreamResampler(sampleRate, target);
    this.chunk = Math.round(target / 50); // 20 ms
    this.buffer = new Int16Array(this.chunk);
    this.filled = 0;
    this.levelSum = 0;
    this.levelCount = 0;
  }
  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) { this.levelSum += input[i] * input[i]; }
    this.levelCount += input.length;
    if (this.levelCount >= sampleRate / 20) {
      this.port.postMessage({ type: "level", rms: Math.sqrt(this.levelSum / this.levelCount) });
      this.levelSum = 0; this.levelCount = 0;
    }
    const out = this.resampler.process(input);
    for (let i = 0; i < out.length; i++) {
      const s = Math.max(-1, Math.min(1, out[i]));
      this.buffer[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === this.chunk) {
        const pcm = this.buffer.buffer;
        this.port.postMessage({ type: "pcm", pcm }, [pcm]);
        this.buffer = new Int16Array(this.chunk);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor("aya-capture", AyaCapture);
`;

const PLAYBACK = `
const StreamResampler = ${StreamResampler.toString()};
class AyaPlayback extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.offset = 0;
    this.rate = 0;
    this.resampler = null;
    this.playing = false;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === "pcm") {
        if (m.rate !== this.rate) { this.rate = m.rate; this.resampler = new StreamResampler(m.rate, sampleRate); }
        const pcm = new Int16Array(m.pcm);
        const f = new Float32Array(pcm.length);
        for (let i = 0; i < pcm.length; i++) f[i] = pcm[i] / 0x8000;
        this.queue.push(this.resampler.process(f));
      } else if (m.type === "flush") {
        this.queue = []; this.offset = 0;
        if (this.rate) this.resampler = new StreamResampler(this.rate, sampleRate);
        this.report(false);
      }
    };
  }
  report(playing) {
    if (playing !== this.playing) { this.playing = playing; this.port.postMessage({ type: "playing", playing }); }
  }
  process(_inputs, outputs) {
    const out = outputs[0][0];
    let i = 0;
    while (i < out.length && this.queue.length) {
      const head = this.queue[0];
      const n = Math.min(out.length - i, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + n), i);
      i += n; this.offset += n;
      if (this.offset >= head.length) { this.queue.shift(); this.offset = 0; }
    }
    for (; i < out.length; i++) out[i] = 0;
    this.report(this.queue.length > 0);
    return true;
  }
}
registerProcessor("aya-playback", AyaPlayback);
`;

const loaded = new WeakSet<BaseAudioContext>();

export async function loadWorklets(ctx: AudioContext): Promise<void> {
  if (loaded.has(ctx)) return;
  for (const source of [CAPTURE, PLAYBACK]) {
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  loaded.add(ctx);
}
