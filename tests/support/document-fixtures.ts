/** Real documents and zip archives built in tests: PDFs (pdf-lib), DOCX (docx), and hand-written zip bytes. */
import { Document, Packer, Paragraph } from 'docx';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { PDFDocument, PDFHexString, StandardFonts } from 'pdf-lib';

/** One page per entry; each page's text is drawn line by line. */
export async function makePdf(file: string, pages: string[][]): Promise<string> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 40, y: 800 - i * 14, size: 10, font }));
  }
  fs.writeFileSync(file, await doc.save({ useObjectStreams: false }));
  return file;
}

/**
 * A PDF with a Standard security handler whose /U entry matches no password: readers (pdfjs) ask for one.
 * pdf-lib cannot encrypt, so the /Encrypt dictionary is added by hand.
 */
export async function makeEncryptedPdf(file: string): Promise<string> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]).drawText('secret', { x: 20, y: 100, size: 10, font: await doc.embedFont(StandardFonts.Helvetica) });
  const enc = doc.context.obj({ Filter: 'Standard', V: 1, R: 2, O: PDFHexString.of('11'.repeat(32)), U: PDFHexString.of('22'.repeat(32)), P: -44 });
  doc.context.trailerInfo.Encrypt = doc.context.register(enc);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of('33'.repeat(16)), PDFHexString.of('33'.repeat(16))]);
  fs.writeFileSync(file, await doc.save({ useObjectStreams: false }));
  return file;
}

export async function makeDocx(file: string, paragraphs: string[]): Promise<string> {
  const doc = new Document({ sections: [{ children: paragraphs.map((t) => new Paragraph(t)) }] });
  fs.writeFileSync(file, await Packer.toBuffer(doc));
  return file;
}

export interface ZipEntrySpec {
  name: string;
  data: Buffer | string;
  /** Store a symbolic link (unix mode 0120777); `data` is the link target. */
  symlink?: boolean;
  /** Lie about the uncompressed size in both headers (a zip bomb's trick). */
  declaredSize?: number;
  store?: boolean;
}

/** A minimal zip writer (local headers, central directory, end record); yauzl reads zips but cannot write them. */
export function makeZip(file: string, entries: ZipEntrySpec[]): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const method = e.store || e.symlink ? 0 : 8;
    const body = method === 8 ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32(data);
    const size = e.declaredSize ?? data.length;
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.symlink ? 0o120777 : 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...locals, cd, end]));
  return file;
}
