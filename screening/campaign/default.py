"""The built-in campaign: the neighbourhood of Li2TaS(1-x)O(x)Cl5, commented for reading.

``anionscreen screen --example`` prints :data:`DEFAULT_CAMPAIGN_TOML`; ``anionscreen screen``
without a file runs it.
"""

from __future__ import annotations

from anionscreen.screening.campaign.config import Campaign, campaign_from_toml

#: Where messages about the built-in campaign say it comes from.
DEFAULT_SOURCE = "<default campaign>"


def default_campaign() -> Campaign:
    """The built-in campaign (see :data:`DEFAULT_CAMPAIGN_TOML`)."""
    return campaign_from_toml(DEFAULT_CAMPAIGN_TOML, source=DEFAULT_SOURCE)


DEFAULT_CAMPAIGN_TOML = """\
# anionscreen campaign: the neighbourhood of Li2TaS(1-x)O(x)Cl5
# (Ogbolu et al., ACS Materials Lett. 2025, 7, 4029; DOI 10.1021/acsmaterialslett.5c01054).
# Run it with:  anionscreen screen THIS_FILE.toml   (or plain `anionscreen screen`).

name = "ltsoc-neighbourhood"          # letters, digits, . _ - ; part of the run folder name
description = "Li-M-(S,O)-X5 triple-anion series around Li2TaS(1-x)O(x)Cl5, plus Li3M(Cl,Br)6"
# descriptor_preset = "composition"  # optional: insist the models use this descriptor preset
material_state = "amorphous"          # moduli as measured on ball-milled glasses ("crystalline": on crystals)

# Search spaces (the generators' format). Li count solved from charge neutrality.
[[space]]
name = "Li-M-(S,O)-X5"
template = "Li{n} {M} S{1-x} O{x} {X}5"
M = ["Ta", "Nb", "Zr", "Hf", "W", "Mo", "Sb", "Ti", "Sn", "Bi"]
X = ["Cl", "Br", "I"]
x = { start = 0.0, stop = 1.0, step = 0.1 }   # S/O ratio on a 0.1 grid
n = "balance"

[[space]]
name = "Li3M(Cl,Br)6"
template = "Li3 {M} Cl{6-y} Br{y}"
M = ["Y", "In", "Sc", "Er", "Zr"]
y = { start = 0, stop = 6, step = 1 }

# Objectives: sigma (max, at temperature_C), modulus (min), ea (min), cost (min),
# supply_risk (min). score = sum of weight * utility / scale (1 decade of sigma = 1 point).
# With cached Materials Project data (anionscreen mp fetch ...): oxidation_limit (max),
# reduction_limit (min), stability_window (max), in V vs Li/Li+.
[[objective]]
name = "sigma"
weight = 1.0
temperature_C = 25.0

[[objective]]
name = "modulus"
weight = 0.5

[[objective]]
name = "supply_risk"
weight = 0.2

# Constraints: failing candidates stay in the table with feasible = false.
[constraints]
sigma_min_S_per_cm = 1e-6             # predicted sigma at the objective temperature
in_domain_only = false                # true: candidates far from any measurement are infeasible
# allowed_elements = ["Li", "Ta", "Nb", "S", "O", "Cl", "Br"]
forbidden_elements = []
# oxidation_limit_min_V = 4.2         # NMC811-class cathodes; needs cached Materials Project data

[ranking]
top_n = 50                            # rows of the ranked table
pareto_depth = 5                      # Pareto ranks computed exactly up to this depth

# Next experiments: upper confidence bound ("ucb") or expected improvement ("ei") on the
# score, with diversity: at most max_per_family per family and a minimum composition
# distance (total variation of element fractions) between any two picks.
[acquisition]
include_measured = false              # compositions already measured (any scale) are not proposed
method = "ucb"
kappa = 1.0
batch_size = 10
pool_size = 500
max_per_family = 2
family_columns = ["space", "M", "X"]
min_distance = 0.02

[models]                               # registry versions; "current" = the current one
sigma = "current"
ea = "current"
modulus = "current"

[execution]
chunk_size = 8192                     # rows per chunk; memory is bounded by it
"""
