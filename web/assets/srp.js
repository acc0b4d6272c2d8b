// Cognito's SRP-6a (USER_SRP_AUTH) for the staff console: the password never leaves the browser. Cognito's
// choices: RFC 3526's 3072-bit group with g = 2, SHA-256, the pool id after "_" as the realm, and the session
// key from HKDF(S, salt = u, info = "Caldera Derived Key"). local_stack/srp.py is the same in Python.
const N = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B" +
    "302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE6" +
    "49286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718" +
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB" +
    "3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const G = 2n;
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function modPow(base, exponent, modulus) {
  let result = 1n;
  let square = ((base % modulus) + modulus) % modulus;
  let rest = exponent;
  while (rest > 0n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
    rest >>= 1n;
  }
  return result;
}

/** Hex as Cognito hashes a positive number: even length, and 00 in front when the top bit is set. */
function padHex(value) {
  const text = value.toString(16);
  if (text.length % 2) return `0${text}`;
  return "89abcdef".includes(text[0]) ? `00${text}` : text;
}

const bytesOfHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (pair) => parseInt(pair, 16));
const hexOfBytes = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const utf8 = (text) => new TextEncoder().encode(text);

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

async function hmac(key, message) {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, message));
}

const hashHex = async (hex) => BigInt(`0x${hexOfBytes(await sha256(bytesOfHex(hex)))}`);

function concat(...parts) {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** Cognito's TIMESTAMP, e.g. "Mon Dec 7 16:20:27 UTC 2026" (the day of the month not padded). */
function timestamp(now = new Date()) {
  const two = (n) => String(n).padStart(2, "0");
  const time = `${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())}`;
  return `${DAYS[now.getUTCDay()]} ${MONTHS[now.getUTCMonth()]} ${now.getUTCDate()} ${time} UTC ${now.getUTCFullYear()}`;
}

/** One sign-in attempt: `publicA` goes in InitiateAuth, `answer()` answers the PASSWORD_VERIFIER challenge. */
export function srpAttempt(userPoolId) {
  const random = crypto.getRandomValues(new Uint8Array(128));
  const a = (BigInt(`0x${hexOfBytes(random)}`) % (N - 2n)) + 2n;
  const A = modPow(G, a, N);
  const realm = userPoolId.split("_")[1];
  return {
    publicA: A.toString(16),
    async answer(password, parameters) {
      const B = BigInt(`0x${parameters.SRP_B}`);
      if (B % N === 0n) throw new Error("The sign-in service sent an invalid challenge.");
      const userId = parameters.USER_ID_FOR_SRP;
      const k = await hashHex(padHex(N) + padHex(G));
      const u = await hashHex(padHex(A) + padHex(B));
      const inner = hexOfBytes(await sha256(utf8(`${realm}${userId}:${password}`)));
      const x = await hashHex(padHex(BigInt(`0x${parameters.SALT}`)) + inner);
      const base = (((B - k * modPow(G, x, N)) % N) + N) % N;
      const S = modPow(base, a + u * x, N);
      const prk = await hmac(bytesOfHex(padHex(u)), bytesOfHex(padHex(S)));
      const key = (await hmac(prk, concat(utf8("Caldera Derived Key"), Uint8Array.of(1)))).slice(0, 16);
      const stamp = timestamp();
      const block = Uint8Array.from(atob(parameters.SECRET_BLOCK), (c) => c.charCodeAt(0));
      const signature = await hmac(key, concat(utf8(realm), utf8(userId), block, utf8(stamp)));
      return {
        USERNAME: parameters.USERNAME,
        PASSWORD_CLAIM_SECRET_BLOCK: parameters.SECRET_BLOCK,
        PASSWORD_CLAIM_SIGNATURE: btoa(String.fromCharCode(...signature)),
        TIMESTAMP: stamp,
      };
    },
  };
}
