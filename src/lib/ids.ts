const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random public id (12 characters of [a-z0-9], about 62 bits), in the style
 * of Statuspage's ids. Web Crypto, so it runs on Node and Workers alike.
 */
export function newId(length = 12): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = '';
  // 252 is the largest multiple of 36 below 256: rejecting above it keeps ids uniform.
  for (let i = 0; id.length < length; i++) {
    if (i === bytes.length) {
      crypto.getRandomValues(bytes);
      i = 0;
    }
    const byte = bytes[i]!;
    if (byte < 252) id += ALPHABET[byte % 36];
  }
  return id;
}

export const ID_PATTERN = /^[a-z0-9]{6,32}$/;
