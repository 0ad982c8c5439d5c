// The OpenAI end of a Realtime WebRTC call, inside the test page (a fake at the OpenAI boundary only).
//
// The page's own code is untouched: `@openai/agents-realtime` creates its RTCPeerConnection and "oai-events" data
// channel and POSTs its SDP offer to https://api.openai.com/v1/realtime/calls. That one request is answered here by a
// second, real RTCPeerConnection in the same Chromium, so the data channel is real WebRTC (SCTP over loopback ICE).
// The test then sends recorded server events through it (`send`) and reads what the client sent (`received`).
// `delivered` counts the events the client's channel has dispatched, so a test can wait until the page handled
// everything sent before checking what it shows.
(() => {
  const peer = {
    calls: [],
    received: [],
    sent: 0,
    delivered: 0,
    channel: null,
    pc: null,
    send(event) {
      peer.channel.send(JSON.stringify(event));
      peer.sent += 1;
    },
    open() {
      return !!peer.channel && peer.channel.readyState === "open";
    },
    count(type) {
      return peer.received.filter((e) => e.type === type).length;
    },
  };
  window.__openaiPeer = peer;

  const createDataChannel = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (label, options) {
    const channel = createDataChannel.call(this, label, options);
    if (label === "oai-events") channel.addEventListener("message", () => (peer.delivered += 1));
    return channel;
  };

  async function answer(offer) {
    const pc = new RTCPeerConnection();
    peer.pc = pc;
    pc.ondatachannel = (event) => {
      peer.channel = event.channel;
      event.channel.onmessage = (m) => peer.received.push(JSON.parse(m.data));
    };
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    });
    return pc.localDescription.sdp;
  }

  const realFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith("https://api.openai.com/v1/realtime/calls")) return realFetch(input, init);
    const headers = new Headers(init && init.headers);
    peer.calls.push({ url, authorization: headers.get("authorization"), contentType: headers.get("content-type") });
    const sdp = await answer(String((init && init.body) || ""));
    return new Response(sdp, {
      status: 201,
      headers: { "Content-Type": "application/sdp", Location: "/v1/realtime/calls/rtc_recorded01" },
    });
  };
})();
