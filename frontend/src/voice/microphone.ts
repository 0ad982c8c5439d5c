/** Opening the microphone with the shopper's chosen device, and errors people can act on. */

export class VoiceError extends Error {}

export function audioConstraints(deviceId: string | null): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    channelCount: 1,
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
}

export async function openMicrophone(deviceId: string | null): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new VoiceError("This browser cannot use a microphone here (it needs https or localhost).");
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId) });
  } catch (e) {
    const name = e instanceof DOMException ? e.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") {
      throw new VoiceError("Microphone permission was denied. Allow the microphone for this site and try again.");
    }
    if (name === "NotFoundError" || name === "DevicesNotFoundError") {
      throw new VoiceError("No microphone was found. Connect one and try again.");
    }
    if (name === "OverconstrainedError") {
      throw new VoiceError("The chosen microphone is not available any more. Pick another one.");
    }
    if (name === "NotReadableError") {
      throw new VoiceError("The microphone is busy in another application.");
    }
    throw new VoiceError(`Could not open the microphone: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Identity for the WebSocket URL: browsers cannot set headers on a WebSocket (see routes/voice.py). Development
 * identity headers travel as query parameters; a session token never does (URLs land in logs): `voiceTicket` trades
 * it for a single-use ticket.
 */
export function identityQuery(headers: Record<string, string>): URLSearchParams {
  const q = new URLSearchParams();
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (h["user-id"]) q.set("user_id", h["user-id"]);
  if (h["session-id"]) q.set("session_id", h["session-id"]);
  if (h.username) q.set("username", h.username);
  return q;
}

/** A short-lived single-use ticket for `/voice/ws` when the identity is a bearer token; `null` otherwise. */
export async function voiceTicket(headers: Record<string, string>): Promise<string | null> {
  if (!Object.keys(headers).some((k) => k.toLowerCase() === "authorization")) return null;
  const response = await fetch("/voice/ticket", { method: "POST", headers });
  if (!response.ok) throw new VoiceError("The voice server refused to start a session. Reload the page and try again.");
  return ((await response.json()) as { ticket: string }).ticket;
}
