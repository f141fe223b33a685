// mobilise's proof of work (docs/abuse.md). When many
// signups come from one network, the server sends a signed challenge: find a nonce such that
// SHA-256("<challenge>:<nonce>") starts with `bits` zero bits (2**bits hashes on average). Plain
// JavaScript, in slices that keep the page responsive: Web Crypto's digest is asynchronous per
// hash, far too slow for thousands of tiny ones. Used by campaign.js and widget.js.
"use strict";

(function () {
  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  const H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const W = new Int32Array(64);

  // The first 32 bits of SHA-256(text), for ASCII text (a challenge and a base-36 nonce).
  function firstWord(text) {
    const length = text.length;
    const blocks = (length + 72) >> 6;
    const bytes = new Uint8Array(blocks * 64);
    for (let i = 0; i < length; i++) bytes[i] = text.charCodeAt(i);
    bytes[length] = 0x80;
    const bits = length * 8;
    bytes[blocks * 64 - 2] = bits >>> 8;
    bytes[blocks * 64 - 1] = bits & 0xff;
    let [h0, h1, h2, h3, h4, h5, h6, h7] = H;
    for (let b = 0; b < blocks * 64; b += 64) {
      for (let i = 0; i < 16; i++) {
        const j = b + i * 4;
        W[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const x = W[i - 15];
        const y = W[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      let [a, c1, c2, c3, e, f, g, h] = [h0, h1, h2, h3, h4, h5, h6, h7];
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & c1) ^ (a & c2) ^ (c1 & c2))) | 0;
        h = g;
        g = f;
        f = e;
        e = (c3 + t1) | 0;
        c3 = c2;
        c2 = c1;
        c1 = a;
        a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0;
      h1 = (h1 + c1) | 0;
      h2 = (h2 + c2) | 0;
      h3 = (h3 + c3) | 0;
      h4 = (h4 + e) | 0;
      h5 = (h5 + f) | 0;
      h6 = (h6 + g) | 0;
      h7 = (h7 + h) | 0;
    }
    return h0 >>> 0;
  }

  // Resolves to the proof the API takes: "<challenge>:<nonce>".
  window.mobiliseProof = function (challenge, bits) {
    const prefix = challenge + ":";
    let nonce = 0;
    return new Promise((resolve) => {
      (function slice() {
        for (const end = nonce + 4000; nonce < end; nonce++) {
          const proof = prefix + nonce.toString(36);
          if (firstWord(proof) >>> (32 - bits) === 0) return resolve(proof);
        }
        setTimeout(slice, 0);
      })();
    });
  };
})();
