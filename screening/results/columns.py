"""What every column of a run's tables means, with its unit: the legend the report prints.

Fixed columns (predictions, intervals, domain, scores) are described once here; the columns a
campaign adds (its template parameters, its objectives, the score formula with its weights)
are described from the campaign itself, so the legend says ``score = 1.0 x log10 sigma ...``
with the run's own weights. :func:`describe_columns` returns one :class:`ColumnMeaning` per
column asked for, in that order; a column nobody described says so rather than vanishing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.campaign.objectives import Z90, get_objective

_I90 = "bound of the 90 % prediction interval (grouped-CV conformal, see the model panels)"

_FIXED: dict[str, tuple[str, str]] = {
    "rank": ("", "position in the ranked table: feasible candidates by score, best first"),
    "batch_rank": ("", "order in which the next batch was picked (greedy, by acquisition)"),
    "selection": ("", "'diverse': picked under the diversity rules; 'relaxed': picked to fill "
                  "the batch after the rules ran out of candidates"),
    "nearest_pick_distance": ("0-1", "composition distance (total variation of element "
                              "fractions) to the closest earlier pick of the batch"),
    "candidate_id": ("", "row number in generation order (the same in every resumed run)"),
    "formula": ("", "the candidate's composition, as the template writes it"),
    "formula_key": ("", "the composition's normalised formula (electronegativity order), for joins"),
    "space": ("", "the search space ([[space]] name) that generated the candidate"),
    "n_Li": ("per formula unit", "Li amount solved from charge neutrality"),
    "cations": ("", "system spaces: the cations besides Li"),
    "anions": ("", "system spaces: the anions"),
    "temperature_C": ("C", "temperature of the sigma columns"),
    "log10_sigma_S_per_cm": ("log10(S/cm)", "predicted ionic conductivity at 25 C, log10"),
    "log10_sigma_S_per_cm_lo": ("log10(S/cm)", f"lower {_I90} of log10 sigma"),
    "log10_sigma_S_per_cm_hi": ("log10(S/cm)", f"upper {_I90} of log10 sigma"),
    "sigma_S_per_cm": ("S/cm", "predicted ionic conductivity at 25 C"),
    "sigma_S_per_cm_lo": ("S/cm", f"lower {_I90} of sigma"),
    "sigma_S_per_cm_hi": ("S/cm", f"upper {_I90} of sigma"),
    "sigma_mS_per_cm": ("mS/cm", "predicted ionic conductivity at 25 C, in mS/cm"),
    "ea_eV": ("eV", "predicted activation energy of Li-ion conduction"),
    "ea_eV_lo": ("eV", f"lower {_I90} of Ea"),
    "ea_eV_hi": ("eV", f"upper {_I90} of Ea"),
    "modulus_GPa": ("GPa", "predicted elastic modulus (what kind: modulus_kind)"),
    "modulus_GPa_lo": ("GPa", f"lower {_I90} of the modulus"),
    "modulus_GPa_hi": ("GPa", f"upper {_I90} of the modulus"),
    "modulus_kind": ("", "what the modulus is: measured-equivalent on the amorphous or "
                     "crystalline material, or the DFT modulus of the crystal"),
    "in_domain": ("", "true when the candidate lies inside the applicability domain of every "
                  "model the objectives use (near enough to measured compositions)"),
    "sigma_in_domain": ("", "inside the conductivity model's applicability domain"),
    "ea_in_domain": ("", "inside the activation-energy model's applicability domain"),
    "modulus_in_domain": ("", "inside the modulus model's applicability domain"),
    "nearest_known": ("", "the closest composition the conductivity model was trained on"),
    "nearest_distance": ("descriptor units", "distance to nearest_known in the conductivity "
                         "model's scaled descriptor space (0 = the same composition)"),
    "known": ("", "true when this composition was measured (at any scale) in the training data"),
    "measured_sigma_S_per_cm": ("S/cm", "measured room-temperature conductivity, when known"),
    "measured_ea_eV": ("eV", "measured activation energy, when known"),
    "measured_modulus_GPa": ("GPa", "measured modulus, when known"),
    "measured_source": ("", "where the measured values come from (DOIs or source names)"),
    "model_versions": ("", "the model versions that predicted the row"),
    "cost_USD_per_kg": ("USD/kg", "raw-material cost of the elements (pymatgen price data)"),
    "hhi_production": ("HHI", "supply risk: production Herfindahl-Hirschman index of the "
                       "elements (Gaultois et al. 2013); higher = more concentrated supply"),
    "score_std": ("points", "standard deviation of the score, from the objectives' 90 % "
                  "intervals (half-width / 1.645), assuming independent errors"),
    "feasible": ("", "true when the candidate passes every [constraints] rule"),
    "infeasible_reason": ("", "the first constraint the candidate fails ('' when feasible)"),
    "reduction_limit_V": ("V vs Li/Li+", "lower end of the electrochemical stability window "
                          "(cached Materials Project data)"),
    "oxidation_limit_V": ("V vs Li/Li+", "upper end of the electrochemical stability window "
                          "(cached Materials Project data)"),
    "reduction_products": ("", "phases formed at the reduction limit"),
    "oxidation_products": ("", "phases formed at the oxidation limit"),
    "known_mp_id": ("", "Materials Project id of a known phase with this composition"),
    "e_above_hull_eV": ("eV/atom", "energy above the hull of that known phase"),
}  # fmt: skip


@dataclass(frozen=True)
class ColumnMeaning:
    """One column of a run's tables: its name, unit ('' when none) and meaning."""

    name: str
    unit: str
    meaning: str


def _parameters(campaign: Campaign) -> dict[str, tuple[str, str]]:
    """Template placeholders and their oxidation-state columns, from the campaign's spaces."""
    found: dict[str, list[str]] = {}
    for space in campaign.spaces:
        if space.template is None:
            continue
        where = f"{space.template.text!r} (space {space.name!r})"
        for symbol, values in space.symbols.items():
            found.setdefault(symbol, []).append(
                f"the element at {{{symbol}}} in {where}, one of {', '.join(values)}"
            )
            found.setdefault(f"ox_{symbol}", []).append(
                f"the oxidation state assigned to {{{symbol}}} in {where}"
            )
        for name in space.numbers:
            terms = [
                f"{t.element} {t.amount.text}"
                for t in space.template.terms
                if name in t.amount.variables
            ]
            found.setdefault(name, []).append(
                f"grid parameter of {where}: amounts {', '.join(terms)}"
            )
        if space.balance is not None:
            found.setdefault(space.balance, []).append(
                f"the amount solved from charge neutrality in {where}"
            )
    return {name: ("", "; ".join(texts)) for name, texts in found.items()}


def _campaign_columns(campaign: Campaign) -> dict[str, tuple[str, str]]:
    out = _parameters(campaign)
    terms = []
    for spec in campaign.objective:
        definition = get_objective(spec.name)
        at = f" at {spec.temperature_C:g} C" if spec.name == "sigma" else ""
        out[f"obj_{spec.name}"] = (
            definition.unit,
            f"value of objective {spec.name}{at} ({definition.goal}imise): "
            f"{definition.description}",
        )
        out[f"obj_{spec.name}_std"] = (
            definition.unit,
            f"standard deviation of obj_{spec.name} (90 % half-width / {Z90:.3f}; 0 where the "
            "column has no interval)",
        )
        sign = "+" if definition.goal == "max" else "-"
        terms.append(f"{sign} {spec.weight:g} x obj_{spec.name} / {definition.scale:g}")
    formula = " ".join(terms).lstrip("+ ")
    out["score"] = (
        "points",
        f"scalar ranking score, larger is better: score = {formula} (1 point = one scale "
        "step of an objective, e.g. one decade of sigma)",
    )
    names = ", ".join(o.name for o in campaign.objective)
    depth = campaign.ranking.pareto_depth
    out["pareto_rank"] = (
        "",
        f"Pareto rank over all {len(campaign.objective)} objectives ({names}) among feasible "
        "candidates: 1 = no other candidate is at least as good on every objective and better "
        f"on one; k = non-dominated once ranks 1..k-1 are removed; 0 = beyond depth {depth} or "
        "infeasible. A 2-D plot shows only a projection of these ranks",
    )
    acq = campaign.acquisition
    rule = (
        f"upper confidence bound: score + {acq.kappa:g} x score_std"
        if acq.method == "ucb"
        else "expected improvement of the score over the best predicted score of the run"
    )
    out["acquisition"] = (
        "points",
        f"value used to pick the next batch ({acq.method}): {rule}; larger = more worth measuring",
    )
    return out


def describe_columns(columns: Sequence[str], campaign: Campaign) -> list[ColumnMeaning]:
    """The meaning of each of ``columns`` (in order) for a run of ``campaign``."""
    known = _FIXED | _campaign_columns(campaign)
    out = []
    for name in columns:
        unit, meaning = known.get(name, ("", "(not described: a column this anionscreen "
                                             "version does not know)"))  # fmt: skip
        out.append(ColumnMeaning(name, unit, meaning))
    return out


def undescribed(columns: Sequence[str], campaign: Campaign) -> list[str]:
    """The columns :func:`describe_columns` has no description for (kept empty by a test)."""
    known = _FIXED | _campaign_columns(campaign)
    return [name for name in columns if name not in known]
