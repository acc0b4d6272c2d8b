"""Cognito's variant of SRP-6a (USER_SRP_AUTH), both sides: the password never crosses the wire.

The client side signs the demo staff member in (stack.py) and drives tests; the server side is what the local
Cognito checks (cognito_sign_in.py), since moto accepts any PASSWORD_VERIFIER answer. web/assets/srp.js is the
browser's client. Cognito's choices: the 3072-bit group of RFC 3526 with g = 2, SHA-256, the pool's id after
the underscore as the realm, and the session key from HKDF(S, salt = u, info = "Caldera Derived Key").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B"
    "302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE6"
    "49286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB"
    "3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
_INFO = b"Caldera Derived Key\x01"
# How far a client's TIMESTAMP may be from the server's clock.
CLOCK_SKEW_SECONDS = 300


def pad_hex(value: int) -> str:
    """Hex of a positive integer as Cognito hashes it: even length, and a leading 00 if the top bit is set."""
    text = format(value, "x")
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89abcdef" else text


def _hash_hex(hex_text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


K = _hash_hex(pad_hex(N) + pad_hex(G))


def realm(user_pool_id: str) -> str:
    return user_pool_id.split("_", 1)[1]


def private_x(user_pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{realm(user_pool_id)}{user_id}:{password}".encode()).hexdigest()
    return _hash_hex(pad_hex(int(salt_hex, 16)) + inner)


def scrambler(big_a: int, big_b: int) -> int:
    return _hash_hex(pad_hex(big_a) + pad_hex(big_b))


def session_key(shared: int, u: int) -> bytes:
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, _INFO, hashlib.sha256).digest()[:16]


def timestamp(moment: datetime | None = None) -> str:
    """Cognito's TIMESTAMP: 'Mon Dec 7 16:20:27 UTC 2026' (the day of the month is not padded)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%a %b} {moment.day} {moment:%H:%M:%S} UTC {moment.year}"


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%a %b %d %H:%M:%S UTC %Y").replace(tzinfo=UTC)


def signature(key: bytes, user_pool_id: str, user_id: str, secret_block: str, stamp: str) -> str:
    message = realm(user_pool_id).encode() + user_id.encode() + base64.b64decode(secret_block) + stamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


@dataclass
class Client:
    """One sign-in attempt from the client's side."""

    user_pool_id: str
    a: int = 0

    def __post_init__(self) -> None:
        self.a = self.a or secrets.randbits(1024) | 1

    @property
    def public_a(self) -> str:
        return format(pow(G, self.a, N), "x")

    def answer(self, password: str, parameters: dict[str, str], moment: datetime | None = None) -> dict[str, str]:
        """The PASSWORD_VERIFIER responses for Cognito's challenge parameters."""
        big_a, big_b = pow(G, self.a, N), int(parameters["SRP_B"], 16)
        user_id = parameters["USER_ID_FOR_SRP"]
        u = scrambler(big_a, big_b)
        x = private_x(self.user_pool_id, user_id, password, parameters["SALT"])
        shared = pow((big_b - K * pow(G, x, N)) % N, self.a + u * x, N)
        stamp = timestamp(moment)
        block = parameters["SECRET_BLOCK"]
        return {
            "USERNAME": parameters["USERNAME"],
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": signature(session_key(shared, u), self.user_pool_id, user_id, block, stamp),
            "TIMESTAMP": stamp,
        }


@dataclass
class ServerChallenge:
    """The server's half of one attempt: what it sent, and how it checks the answer."""

    user_pool_id: str
    user_id: str
    password: str
    big_a: int
    salt_hex: str
    b: int
    secret_block: str
    verifier: int = 0
    public_b: str = ""

    def __post_init__(self) -> None:
        # v = g^x and B = kv + g^b, made once: each is a modular power of a 3072-bit number.
        self.verifier = pow(G, private_x(self.user_pool_id, self.user_id, self.password, self.salt_hex), N)
        self.public_b = format((K * self.verifier + pow(G, self.b, N)) % N, "x")

    @classmethod
    def start(cls, user_pool_id: str, user_id: str, password: str, public_a: str) -> ServerChallenge:
        big_a = int(public_a, 16)
        if big_a % N == 0:
            raise ValueError("SRP_A is not valid")
        return cls(
            user_pool_id=user_pool_id,
            user_id=user_id,
            password=password,
            big_a=big_a,
            salt_hex=secrets.token_hex(16),
            # 1024 random bits, as Cognito's own clients draw a.
            b=secrets.randbits(1024) | 1,
            secret_block=base64.b64encode(secrets.token_bytes(64)).decode("ascii"),
        )

    def accepts(self, answer: dict[str, str], now: datetime | None = None) -> bool:
        """Whether the client's signature proves it knows the password, made within the allowed clock skew."""
        try:
            stamp = answer["TIMESTAMP"]
            skew = abs(((now or datetime.now(UTC)) - parse_timestamp(stamp)).total_seconds())
        except (KeyError, ValueError):
            return False
        if skew > CLOCK_SKEW_SECONDS or answer.get("PASSWORD_CLAIM_SECRET_BLOCK") != self.secret_block:
            return False
        big_b = int(self.public_b, 16)
        u = scrambler(self.big_a, big_b)
        shared = pow(self.big_a * pow(self.verifier, u, N), self.b, N)
        expected = signature(session_key(shared, u), self.user_pool_id, self.user_id, self.secret_block, stamp)
        return hmac.compare_digest(expected, answer.get("PASSWORD_CLAIM_SIGNATURE", ""))
