"""The conference the planner is about: KubeCon + CloudNativeCon Europe 2020 (virtual), Day 2.

Titles, speakers and audiences are the real programme; abstracts, times and rooms are ours, with
some talks overlapping on purpose so that a schedule can have conflicts.
"""

DAY = "2020-08-18"

# (title, speakers, audiences, start, end, room, abstract)
TALKS = [
    (
        "Deliver Your Cloud Native Application with Design Pattern as Code",
        ["@JunMakishi", "@TAR_O_RIN"],
        ["OPS", "BACKEND"],
        "13:00",
        "13:35",
        "Room A",
        "Teams keep rewriting the same manifests for the same kinds of services. This session turns "
        "recurring deployment designs into reusable, versioned code so that an application team picks "
        "a pattern, fills in a few values, and ships something that operations already trusts.",
    ),
    (
        "Kubernetes Patterns",
        ["@ro14nd"],
        ["BACKEND"],
        "13:00",
        "13:35",
        "Room B",
        "Sidecars, init containers, ambassadors and adapters: a tour of the building blocks that "
        "show up again and again in Kubernetes-native applications, with the trade-offs of each and "
        "a few signs that a pattern is being used where it does not fit.",
    ),
    (
        "Progressive Delivery",
        ["@vfarcic", "@csanchez"],
        ["OPS", "BACKEND"],
        "13:45",
        "14:20",
        "Room A",
        "Shipping is not a single switch. A walk through canaries, feature flags and automated "
        "rollbacks driven by metrics, showing how to expose a change to a growing share of users "
        "while keeping the blast radius of a bad release small.",
    ),
    (
        "Build an Automatic Canary Release Pipeline in a Kubernetes-native Way",
        ["Ying Chun Guo"],
        ["OPS"],
        "14:00",
        "14:35",
        "Room C",
        "A pipeline that promotes or rolls back a canary by itself, built only from Kubernetes "
        "resources and controllers: how traffic is split, which signals decide, and what happens "
        "when the analysis cannot reach a verdict.",
    ),
    (
        "Handling Container Vulnerabilities with Open Policy Agent",
        ["@knqyf263"],
        ["OPS", "SECURITY"],
        "14:45",
        "15:20",
        "Room B",
        "Scanners find thousands of CVEs; clusters still need to decide what may run. This talk "
        "connects image scan results to admission decisions written as policy, so that the rules "
        "about acceptable risk live in code that can be reviewed and tested.",
    ),
    (
        "Architectural Caching Patterns for Kubernetes",
        ["@RafalLeszko"],
        ["BACKEND"],
        "15:00",
        "15:35",
        "Room A",
        "Embedded, client-server, sidecar and reverse-proxy caches each change latency, consistency "
        "and operations differently. A comparison of where a cache can live in a Kubernetes "
        "deployment and how to choose between the options.",
    ),
    (
        "Tracing is For Everyone: Tracing User Events with GraphQL and OpenTelemetry",
        ["@ninastawski"],
        ["FRONTEND"],
        "15:45",
        "16:20",
        "Room C",
        "Traces usually start at the first server. Starting them at the user's click instead shows "
        "what a person actually waited for. A frontend view of distributed tracing: user actions as "
        "spans, context carried into GraphQL calls, and a whole session read as one journey.",
    ),
    (
        "Five Great Ways to Lose Data on Kubernetes (And How to Avoid Them)",
        ["@dbcicero"],
        ["OPS"],
        "16:00",
        "16:35",
        "Room B",
        "Stateful workloads fail in creative ways: volumes deleted with their claims, backups never "
        "restored, replicas that agree on the wrong thing. Five real failure modes, how each one "
        "happens, and the habits that keep data safe.",
    ),
    (
        "Escaping the Jungle - Migration to Cloud Native CI/CD",
        ["@antweiss"],
        ["OPS", "BACKEND"],
        "16:45",
        "17:20",
        "Room A",
        "An overgrown build server with hundreds of jobs is hard to leave. Lessons from moving such a "
        "setup to pipelines that run inside the cluster: what to migrate first, what to drop, and "
        "how to keep releases flowing during the move.",
    ),
]
