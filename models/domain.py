"""Applicability domain: how far is a candidate from anything the model was trained on?

Features are standardised (each column to zero mean and unit variance over the training
compositions) and projected on their leading principal components, which keep most of the
variance while making a nearest-neighbour search over millions of candidates a small matrix
product. The distance of a candidate to its nearest training composition in that space is
reported with the training formula it belongs to; the candidate is *in domain* when that
distance is at most a threshold taken from the training data itself: a quantile (95 % by
default) of the leave-one-out nearest-neighbour distances among the training compositions,
i.e. "as close to known data as a typical known composition is to the others".

Distance alone is a loose test when the training set is small (its nearest-neighbour
distances are large, so the threshold is too), so a candidate is in domain only if its nearest
training composition is also *chemically* related: it shares at least one cation other than Li
(the "metal", e.g. Ta in Li2TaS0.4O0.6Cl5, P in Li6PS5Cl) or has exactly the same set of anions
(:data:`ANION_ELEMENTS`). Li3TiS0.5O0.5Cl5 next to Li3InCl6 is out of domain whatever the
distance: neither Ti nor the S/O/Cl anion set has been measured there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from sklearn.decomposition import PCA

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.elements import element_symbols
from anionscreen.models.threads import one_thread

#: Candidate rows per distance block: 256 rows against ~900 training rows keep the block in
#: the CPU cache (a third faster than 1,024 on this machine's campaign chunks, same answers).
_QUERY_CHUNK = 256
#: Elements counted as anions by the chemistry rule (H: hydride and borohydride hydrogen).
ANION_ELEMENTS: frozenset[str] = frozenset({"H", "N", "O", "S", "Se", "Te", "F", "Cl", "Br", "I"})


@cache
def _element_roles() -> tuple[np.ndarray, np.ndarray]:
    """Bit masks over the element order, packed 8 elements a byte: anions, and cations other
    than Li."""
    symbols = element_symbols()
    anion = np.array([s in ANION_ELEMENTS for s in symbols])
    cation = ~anion & (np.array(symbols) != "Li")
    return np.packbits(anion), np.packbits(cation)


def chemically_related(
    fractions: np.ndarray, train_fractions: np.ndarray, nearest: np.ndarray
) -> np.ndarray:
    """Rows sharing a non-Li cation with, or having the anion set of, their nearest training row."""
    anion, cation = _element_roles()
    # Which elements a row holds, 8 a byte: the tests below touch 15 bytes a row, not 118.
    present = np.packbits(np.asarray(fractions) > 0, axis=1)
    near = np.packbits(np.asarray(train_fractions) > 0, axis=1)[nearest]
    shares_cation = (present & near & cation).any(axis=1)
    same_anions = ~((present ^ near) & anion).any(axis=1)
    return np.asarray(shares_cation | same_anions, dtype=bool)


@dataclass(frozen=True)
class DomainResult:
    """Nearest-training-composition answer for a batch of candidates.

    Attributes
    ----------
    distance : ndarray of shape (n,)
        Euclidean distance to the nearest training composition in the standardised,
        PCA-projected descriptor space (dimensionless).
    nearest_index : ndarray of shape (n,), int64
        Row of that training composition.
    nearest_formula : ndarray of shape (n,), object
        Its formula.
    in_domain : ndarray of shape (n,), bool
        ``distance <= threshold`` (and, given fractions, chemically related; see the module
        docstring).
    """

    distance: np.ndarray
    nearest_index: np.ndarray
    nearest_formula: np.ndarray
    in_domain: np.ndarray


class ApplicabilityDomain:
    """Nearest-neighbour applicability domain in standardised descriptor space.

    Parameters
    ----------
    max_components : int, default=16
        At most this many principal components are kept.
    explained_variance : float, default=0.95
        Fewer components are kept when these already explain this share of the variance.
    quantile : float, default=0.95
        Quantile of the training leave-one-out nearest-neighbour distances used as the
        in-domain threshold.
    """

    def __init__(
        self, *, max_components: int = 16, explained_variance: float = 0.95, quantile: float = 0.95
    ) -> None:
        self.max_components = max_components
        self.explained_variance = explained_variance
        self.quantile = quantile

    def fit(
        self, x: np.ndarray, formulas: np.ndarray, fractions: np.ndarray | None = None
    ) -> ApplicabilityDomain:
        """Learn the embedding and the threshold from training features (no NaN allowed).

        ``fractions`` (the training element-fraction matrix) enables the chemistry rule of the
        module docstring; without them only the distance decides.
        """
        x = _check_matrix(x, "training features")
        formulas = np.asarray(formulas, dtype=object)
        if formulas.shape != (x.shape[0],):
            raise AnionscreenError(
                f"formulas must have shape ({x.shape[0]},) to match the features; "
                f"got {formulas.shape}"
            )
        if x.shape[0] < 2:
            raise AnionscreenError(
                f"the applicability domain needs at least 2 training compositions; got {x.shape[0]}"
            )
        self.mean_ = x.mean(axis=0)
        scale = x.std(axis=0)
        # Constant columns carry no information about distance; dividing by 1 keeps them 0.
        self.scale_ = np.where(scale > 0, scale, 1.0)
        z = (x - self.mean_) / self.scale_
        n_max = max(1, min(self.max_components, x.shape[0] - 1, x.shape[1]))
        pca = PCA(n_components=n_max, svd_solver="full").fit(z)
        cumulative = np.cumsum(pca.explained_variance_ratio_)
        n_keep = int(np.searchsorted(cumulative, self.explained_variance) + 1)
        self.components_ = np.ascontiguousarray(pca.components_[: min(n_keep, n_max)].T)
        self.train_embedding_ = z @ self.components_
        self.train_sq_norm_ = np.einsum("ij,ij->i", self.train_embedding_, self.train_embedding_)
        self.train_formulas_ = formulas
        self.train_fractions_ = (
            None if fractions is None else np.asarray(fractions, dtype=np.float64)
        )
        loo = self._nearest(self.train_embedding_, exclude_self=True)[0]
        self.loo_distances_ = loo
        self.threshold_ = float(np.quantile(loo, self.quantile))
        return self

    def embed(self, x: np.ndarray) -> np.ndarray:
        """Project features into the domain space."""
        x = _check_matrix(x, "features")
        if x.shape[1] != self.mean_.shape[0]:
            raise AnionscreenError(
                f"features must have {self.mean_.shape[0]} columns like the training data; "
                f"got {x.shape[1]}"
            )
        # ((x - mean) / scale) @ C as x @ (C / scale) - (mean / scale) @ C: no (n, p) temporaries.
        weights = self.components_ / self.scale_[:, None]
        return x @ weights - (self.mean_ / self.scale_) @ self.components_  # type: ignore[no-any-return]

    def query(self, x: np.ndarray, fractions: np.ndarray | None = None) -> DomainResult:
        """Distance to and identity of the nearest training composition for each row of ``x``.

        With the candidates' ``fractions`` (and a domain fitted with training fractions) the
        chemistry rule applies too.
        """
        distance, index = self._nearest(self.embed(x), exclude_self=False)
        in_domain = distance <= self.threshold_
        train_fractions = getattr(self, "train_fractions_", None)
        if fractions is not None and train_fractions is not None and len(index):
            in_domain &= chemically_related(np.asarray(fractions), train_fractions, index)
        return DomainResult(
            distance=distance,
            nearest_index=index,
            nearest_formula=self.train_formulas_[index],
            in_domain=in_domain,
        )

    def _nearest(self, emb: np.ndarray, *, exclude_self: bool) -> tuple[np.ndarray, np.ndarray]:
        n = emb.shape[0]
        distance = np.empty(n, dtype=np.float64)
        index = np.empty(n, dtype=np.int64)
        # The search runs in float32 (half the memory traffic of the distance block, which is
        # what limits it); the distance to the neighbour found is then recomputed exactly in
        # float64, so a training composition is at distance 0, not at float32 round-off.
        train32 = np.ascontiguousarray(self.train_embedding_, dtype=np.float32)
        half_sq_norm = (0.5 * self.train_sq_norm_).astype(np.float32)
        scratch = np.empty((_QUERY_CHUNK, train32.shape[0]), dtype=np.float32)
        # These products are small: a multi-threaded BLAS spends more on synchronising than
        # on them (measured 2.5x slower with 2 OpenBLAS threads than with 1 on 2 cores).
        with one_thread("blas"):
            self._search(emb, train32, half_sq_norm, scratch, distance, index, exclude_self)
        return distance, index

    def _search(
        self,
        emb: np.ndarray,
        train32: np.ndarray,
        half_sq_norm: np.ndarray,
        scratch: np.ndarray,
        distance: np.ndarray,
        index: np.ndarray,
        exclude_self: bool,
    ) -> None:
        for start in range(0, emb.shape[0], _QUERY_CHUNK):
            block = emb[start : start + _QUERY_CHUNK]
            m = block.shape[0]
            # argmin |q - t|^2 = argmin (|t|^2 / 2 - q.t): one matrix product per block.
            d2 = scratch[:m]
            np.matmul(block.astype(np.float32), train32.T, out=d2)
            np.subtract(half_sq_norm[None, :], d2, out=d2)
            if exclude_self:
                rows = np.arange(m)
                d2[rows, start + rows] = np.inf
            best = np.argmin(d2, axis=1)
            diff = block - self.train_embedding_[best]
            distance[start : start + m] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            index[start : start + m] = best


def _check_matrix(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise AnionscreenError(f"{what} must be a 2-D array; got shape {x.shape}")
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).any(axis=1).sum())
        raise AnionscreenError(
            f"{what} contain NaN or infinite values in {bad} row(s); impute them first"
        )
    return x
