import { describe, expect, it } from "vitest";
import { floatToPcm16, meterLevel, pcm16ToFloat, StreamResampler } from "./resample";

function sine(rate: number, hz: number, seconds: number): Float32Array {
  const n = Math.round(rate * seconds);
  return Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
}

describe("StreamResampler", () => {
  it("turns 48 kHz into 16 kHz with the right length and shape, across block boundaries", () => {
    const input = sine(48000, 440, 1);
    const r = new StreamResampler(48000, 16000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += 128) parts.push(r.process(input.subarray(i, i + 128)));
    const out = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    expect(Math.abs(out.length - 16000)).toBeLessThanOrEqual(1);
    const expected = sine(16000, 440, 1);
    let maxErr = 0;
    for (let i = 0; i < 15990; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - expected[i]));
    expect(maxErr).toBeLessThan(0.02);
  });

  it("upsamples 22.05 kHz to 48 kHz continuously", () => {
    const input = sine(22050, 200, 0.5);
    const r = new StreamResampler(22050, 48000);
    const a = r.process(input.subarray(0, 1000));
    const b = r.process(input.subarray(1000));
    expect(Math.abs(a.length + b.length - 24000)).toBeLessThanOrEqual(2);
    // No click at the seam: consecutive output samples stay close.
    expect(Math.abs(b[0] - a[a.length - 1])).toBeLessThan(0.05);
  });
});

describe("PCM helpers", () => {
  it("round-trips float and PCM16 and clamps", () => {
    const pcm = floatToPcm16(Float32Array.from([0, 0.5, -0.5, 2, -2]));
    expect(Array.from(pcm)).toEqual([0, 16383, -16384, 32767, -32768]);
    expect(pcm16ToFloat(pcm)[1]).toBeCloseTo(0.5, 3);
  });

  it("maps levels to 0..1", () => {
    expect(meterLevel(new Float32Array(100))).toBe(0);
    expect(meterLevel(sine(16000, 300, 0.1))).toBeGreaterThan(0.9);
    expect(meterLevel(sine(16000, 300, 0.1).map((s) => s * 0.001))).toBeLessThan(0.05);
  });
});
