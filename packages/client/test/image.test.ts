import { describe, expect, it } from 'vitest';
import { imageBody } from '../src/image.js';

const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

describe('imageBody', () => {
  it('encodes one file in field "image", the bytes untouched between the part header and the closing boundary', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    const { body, contentType } = await imageBody(bytes);
    const boundary = /^multipart\/form-data; boundary=(visionq-[0-9a-f]{32})$/.exec(contentType)?.[1];
    expect(boundary).toBeDefined();
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="image"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    expect(text(body.subarray(0, head.length))).toBe(head);
    expect(body.subarray(head.length, head.length + bytes.length)).toEqual(bytes);
    expect(text(body.subarray(head.length + bytes.length))).toBe(`\r\n--${boundary}--\r\n`);
  });

  it('keeps a File’s name, escaped as browsers do, and takes every kind of input', async () => {
    const file = new File([new Uint8Array([1, 2, 3])], 'my "sign"\r\n.jpg');
    expect(text((await imageBody(file)).body)).toContain('filename="my %22sign%22%0D%0A.jpg"');
    const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    for (const input of [view, view.slice().buffer, new Blob([view]), new DataView(view.slice().buffer)]) {
      const { body } = await imageBody(input);
      expect(text(body)).toContain('\r\n\r\n\x08\x07\r\n--');
    }
  });

  it('refuses an empty image and what is not one', async () => {
    await expect(imageBody(new Uint8Array())).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(imageBody('a string' as unknown as Uint8Array)).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
