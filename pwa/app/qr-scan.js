// Scanning a QR code with the phone's camera (the gateway's pairing code). Frames are decoded
// by the platform's BarcodeDetector where it reads QR codes (Android, iOS, macOS), elsewhere
// (Chromium on Linux and Windows, Firefox) by jsQR from pwa/vendor/, which is imported only when
// the fitter scans, so the app's start never pays for it. No texts here: a failure is a
// ScanError whose code the caller words (`pair.camera.<code>`).

// How often a frame is decoded: often enough to feel instant, rare enough to keep a phone cool.
export const SCAN_INTERVAL_MS = 150;
// jsQR works on a frame scaled to at most this many pixels on its long side (a QR code held up
// to the camera fills much of it; a full HD frame would only cost time).
export const MAX_FRAME_SIDE = 800;

export class ScanError extends Error {
  constructor(code, cause = null) {
    super(code);
    this.name = 'ScanError';
    this.code = code;
    this.cause = cause;
  }
}

const CAMERA_ERRORS = {
  NotAllowedError: 'denied',
  SecurityError: 'denied',
  NotFoundError: 'missing',
  OverconstrainedError: 'missing',
  NotReadableError: 'busy',
  AbortError: 'busy',
};

// The back camera in `video`; resolves with its stream once frames arrive.
async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw new ScanError('unsupported');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (error) {
    throw new ScanError(CAMERA_ERRORS[error?.name] || 'failed', error);
  }
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    throw new ScanError('failed', error);
  }
  return stream;
}

// A decoder: {kind, detect(video) -> [text, ...]}.
async function decoder() {
  if (typeof globalThis.BarcodeDetector === 'function') {
    try {
      if ((await globalThis.BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
        const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
        return { kind: 'native', detect: async (video) => (await detector.detect(video)).map((c) => c.rawValue) };
      }
    } catch { /* no usable detector: jsQR below */ }
  }
  let jsQR;
  try {
    ({ default: jsQR } = await import('../vendor/jsqr.js'));
  } catch (error) {
    throw new ScanError('decoder', error);
  }
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return {
    kind: 'jsqr',
    detect: async (video) => {
      const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      const pixels = context.getImageData(0, 0, width, height).data;
      // Both ways round: a terminal draws the code light on dark.
      const found = jsQR(pixels, width, height, { inversionAttempts: 'attemptBoth' });
      return found ? [found.data] : [];
    },
  };
}

const pause = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

// Show the camera in `video` and decode its frames until `accept(text)` returns something
// (that is the result) or `signal` aborts (the result is null). `onReady(kind)` is told when
// frames are being decoded and by what. Rejects with a ScanError when there is no camera to
// use. The camera is switched off however this ends.
export async function scan(video, { accept, signal, onReady = () => {} }) {
  const stream = await openCamera(video);
  try {
    if (signal?.aborted) return null;
    const { kind, detect } = await decoder();
    onReady(kind);
    while (!signal?.aborted) {
      if (video.readyState >= 2 && video.videoWidth) {
        let texts = [];
        try { texts = await detect(video); } catch { /* a frame that could not be read */ }
        for (const text of texts) {
          const result = accept(text);
          if (result) return result;
        }
      }
      await pause(SCAN_INTERVAL_MS, signal);
    }
    return null;
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  }
}
