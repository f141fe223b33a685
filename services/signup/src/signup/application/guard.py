"""What a signup must pass before it is published: its client network's, its supporter's and its
partner's rate limits for the campaign, with a proof of work past the soft thresholds; and what
asking for an organiser's sign-in link must pass: its address's and its client network's."""

from __future__ import annotations

import hashlib
import hmac
import math
import time

import structlog
from redis.exceptions import RedisError

from signup.adapters.limiter import Limiter, Verdict
from signup.domain.campaigns import Campaign
from signup.domain.clients import limited_network
from signup.domain.errors import ProofRequired, TooManyRequests
from signup.domain.limits import Bucket
from signup.domain.proof import ProofOfWork

log = structlog.get_logger(__name__)


class Guard:
    def __init__(
        self, *, limiter: Limiter, proofs: ProofOfWork, key: bytes, namespace: str = ""
    ) -> None:
        self._limiter = limiter
        self._proofs = proofs
        self._key = key
        # The deployment's own keys (its topic prefix) where a Redis serves several.
        self._namespace = namespace

    def _hide(self, network: str) -> str:
        # Redis keeps a keyed hash of the network (or email), never the address itself.
        return hmac.new(self._key, network.encode(), hashlib.sha256).hexdigest()[:32]

    async def admit_sign_in_link(
        self, *, client: str, email: str, per_address: Bucket, per_network: Bucket
    ) -> None:
        """Takes a token from the address's and the client network's sign-in buckets, or raises
        TooManyRequests. Asked before the address is looked up: the answer says nothing about
        whether it is an organiser's."""
        prefix = f"mobilise:limit:{self._namespace}sign-in"
        buckets = [
            (f"{prefix}:email:{self._hide(email)}", per_address),
            (f"{prefix}:net:{self._hide(limited_network(client))}", per_network),
        ]
        try:
            outcome = await self._limiter.take(buckets)
        except (RedisError, OSError) as exc:
            log.warning("limits_unavailable", error=str(exc))  # as for signups: let it through
            return
        if outcome.verdict is not Verdict.TAKEN:
            retry_after_s = max(1, math.ceil(outcome.retry_after_ms / 1000))
            raise TooManyRequests(
                f"too many sign-in links asked for this address or from this network: "
                f"retry in {retry_after_s} s",
                retry_after_s=retry_after_s,
            )

    async def admit(
        self,
        campaign: Campaign,
        *,
        client: str,
        supporter_key: str,
        partner: str | None,
        proof: str | None,
    ) -> None:
        """Takes a token from each of the signup's buckets, or raises TooManyRequests (hard
        threshold) or ProofRequired (soft threshold, no valid unspent proof)."""
        now = time.time()
        limits = campaign.limits
        prefix = f"mobilise:limit:{campaign.id}"
        buckets = [
            (f"{prefix}:net:{self._hide(limited_network(client))}", limits.address),
            (f"{prefix}:supporter:{supporter_key}", limits.supporter),
        ]
        if partner is not None:
            buckets.append((f"{prefix}:partner:{partner}", limits.partner))
        solved = self._proofs.verify(campaign.id, proof, now=now) if proof else None
        try:
            outcome = await self._limiter.take(
                buckets,
                proof=f"mobilise:proof:{solved}" if solved else None,
                proof_ttl_ms=(self._proofs.ttl_s + 60) * 1000,
            )
        except (RedisError, OSError) as exc:
            # A signup is worth more than the limit: with Redis down the service signs on
            # (and /readyz says Redis is down).
            log.warning("limits_unavailable", error=str(exc))
            return
        if outcome.verdict is Verdict.EMPTY:
            retry_after_s = max(1, math.ceil(outcome.retry_after_ms / 1000))
            raise TooManyRequests(
                f"too many signups from here for this campaign: retry in {retry_after_s} s",
                retry_after_s=retry_after_s,
            )
        if outcome.verdict is Verdict.PROOF_NEEDED:
            challenge = self._proofs.challenge(campaign.id, now=now)
            raise ProofRequired(
                "many signups come from this network: solve the proof of work in `proof` "
                "and send the signup again with `proof` set to '<challenge>:<nonce>'",
                challenge=challenge.token,
                bits=challenge.bits,
            )
