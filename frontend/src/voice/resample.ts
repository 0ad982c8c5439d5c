/**
 * Streaming linear resampler and PCM helpers. `StreamResampler` is self-contained on purpose: the audio worklets
 * embed its source (`StreamResampler.toString()`), so it must not reference anything outside itself.
 */

export class StreamResampler {
  private readonly step: number;
  private pos = 0; // position of the next output sample, in input samples, relative to `last`'s index (-1)
  private last = 0; // the previous block's final input sample

  constructor(fromRate: number, toRate: number) {
    this.step = fromRate / toRate;
  }

  /** Resample one block; state carries over so consecutive blocks join without clicks. */
  process(input: Float32Array): Float32Array {
    const n = input.length;
    if (n === 0) return new Float32Array(0);
    const out: number[] = [];
    // Index -1 is `last`; indices 0..n-1 are this block.
    let pos = this.pos;
    while (pos <= n - 1) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i < 0 ? this.last : input[i];
      const b = i + 1 < 0 ? this.last : input[Math.min(i + 1, n - 1)];
      out.push(a + (b - a) * frac);
      pos += this.step;
    }
    this.pos = pos - n;
    this.last = input[n - 1];
    return Float32Array.from(out);
  }
}

/** Float samples in [-1, 1] to 16-bit little-endian PCM. */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    out[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  return out;
}

/** 16-bit PCM to float samples. */
export function pcm16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 0x8000;
  return out;
}

/** Root-mean-square level of a block, mapped to 0..1 for a meter (-60 dBFS → 0, 0 dBFS → 1). */
export function meterLevel(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(1, (db + 60) / 60));
}
