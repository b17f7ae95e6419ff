// A photo for the outbox: the picture the fitter took, decoded and drawn again at most
// MAX_SIDE_PX a side as a JPEG (so a 12-megapixel photo becomes a few hundred kB to queue
// offline and send), as base64 for the `photo.add` mutation. Drawing it again also leaves the
// camera's metadata behind; the server re-encodes it once more and keeps only that.
const MAX_SIDE_PX = 1600; // the server's own limit (server/orders/photos.py)
const JPEG_QUALITY = 0.82;

export class UnreadablePhoto extends Error {}

export async function photoForUpload(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new UnreadablePhoto(file.name);
  }
  const scale = Math.min(1, MAX_SIDE_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  if (!blob) throw new UnreadablePhoto(file.name);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
