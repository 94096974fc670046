/**
 * Splits a stream of concatenated baseline JPEGs (ffmpeg's `-c:v mjpeg -f image2pipe`) into images by
 * walking their markers: header segments are skipped by their length, and in the entropy-coded data a
 * 0xFF byte is followed only by 0x00 (stuffing), a restart marker or fill, so the first other marker
 * there ends the scan. Byte patterns inside tables or comments are never mistaken for an image's end.
 */
export function createJpegSplitter(onImage: (jpeg: Uint8Array) => void) {
  let buf = new Uint8Array(0);
  // Parse state inside the image at the start of buf, kept between chunks.
  let pos = 2;
  let inScan = false;

  /** Where the image starting at buf[0] ends (exclusive), or -1 when more bytes are needed. */
  const imageEnd = (): number => {
    if (buf.length >= 2 && (buf[0] !== 0xff || buf[1] !== 0xd8)) throw new Error('proxy stream: a JPEG does not start with SOI');
    while (pos + 1 < buf.length) {
      if (buf[pos] !== 0xff) {
        if (!inScan) throw new Error('proxy stream: a JPEG marker was expected');
        pos++;
        continue;
      }
      const m = buf[pos + 1];
      if (m === 0xff) {
        pos++;
        continue;
      }
      if (inScan && (m === 0x00 || (m >= 0xd0 && m <= 0xd7))) {
        pos += 2;
        continue;
      }
      if (m === 0xd9) return pos + 2;
      // A segment with a length (the scan ends at the first one, e.g. a progressive JPEG's next table).
      if (pos + 3 >= buf.length) return -1;
      const len = (buf[pos + 2] << 8) | buf[pos + 3];
      if (pos + 2 + len > buf.length) return -1;
      pos += 2 + len;
      inScan = m === 0xda;
    }
    return -1;
  };

  return {
    push(chunk: Uint8Array) {
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      for (let end = imageEnd(); end > 0; end = imageEnd()) {
        onImage(buf.slice(0, end));
        buf = buf.subarray(end);
        pos = 2;
        inScan = false;
      }
    },
  };
}
