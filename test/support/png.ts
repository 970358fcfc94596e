import { inflateSync } from 'node:zlib';

// Just enough PNG to check a browser screenshot: the IHDR header, and the pixels of an
// 8-bit RGB or RGBA image, unfiltered (PNG spec §9) so colours can be counted.

export interface Png {
  width: number;
  height: number;
  bitDepth: number;
  /** 2: RGB, 6: RGBA. */
  colorType: number;
  /** "rrggbb" per pixel, row by row. */
  colours(): string[];
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readPng(file: Buffer): Png {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at + 8 <= file.length;) {
    const length = file.readUInt32BE(at);
    chunks.push({
      type: file.toString('latin1', at + 4, at + 8),
      data: file.subarray(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR') throw new Error('not a PNG: IHDR is not the first chunk');
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const bitDepth = ihdr.data[8] ?? 0;
  const colorType = ihdr.data[9] ?? 0;
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));

  return {
    width,
    height,
    bitDepth,
    colorType,
    colours() {
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6)) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}`);
      }
      const bpp = colorType === 6 ? 4 : 3;
      const raw = inflateSync(idat);
      const stride = width * bpp;
      const rows = unfilter(raw, height, stride, bpp);
      const out: string[] = [];
      for (let i = 0; i < rows.length; i += bpp) {
        out.push(rows.toString('hex', i, i + 3));
      }
      return out;
    },
  };
}

function unfilter(raw: Buffer, height: number, stride: number, bpp: number): Buffer {
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[row - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? a
            : filter === 2
              ? b
              : filter === 3
                ? (a + b) >> 1
                : filter === 4
                  ? paeth(a, b, c)
                  : Number.NaN;
      if (Number.isNaN(predictor)) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      out[row + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
