-- ratelab results database: the documented schema, which is also the executed one (the build
-- turns this file into the C string the writer runs).  Schema version 7, stored as PRAGMA user_version.
--
-- One row per finished run in `runs`; every other table hangs off runs.id.  A run comes from one
-- of two engines, `sim` (the simulator: deterministic in parameters + seed) or `kernel` (real
-- Linux TCP in network namespaces: the seed numbers the repetition and draws the start offsets).  One
-- process writes (the sweep's writer), one transaction per run, so a killed sweep never leaves a
-- half-written run; WAL journal so figures can be drawn while a sweep is still writing.
-- NaN metrics are stored as NULL (SQLite has no NaN).

-- A sweep's identity: the scenario plus every flag that defines the grid (--vary, --set,
-- --where, --seeds), but not --shard/--jobs/--db, so the shards of one sweep share it.  It has
-- n_points x n_seeds runs; the tables below say which of them a database holds.  `id` is local
-- to one database (merge maps it by sweep_key).
CREATE TABLE sweeps (
    id          INTEGER PRIMARY KEY,
    sweep_key   TEXT NOT NULL UNIQUE,
    scenario    TEXT NOT NULL,
    n_points    INTEGER NOT NULL,   -- parameter points after --where and validation
    n_seeds     INTEGER NOT NULL,
    created     TEXT NOT NULL       -- UTC, ISO 8601
);

-- The grid points of a sweep in its order (0 .. n_points - 1), labelled with the values of the
-- --vary keys: how a report names the points a sweep is missing.
CREATE TABLE sweep_points (
    sweep_id    INTEGER NOT NULL REFERENCES sweeps(id),
    point_index INTEGER NOT NULL,
    label       TEXT NOT NULL,      -- "KEY=VALUE KEY=VALUE" of the --vary keys ('' without --vary)
    PRIMARY KEY (sweep_id, point_index)
) WITHOUT ROWID;

-- Which stored run is which task of a sweep: task = i x n_points + point index for its i-th seed
-- (i from 0), the order a sweep runs them in; --shard I/N owns the tasks with task % N = I.  A run belongs to every
-- sweep that asked for it: a sweep that finds a run already stored by another sweep adds it here
-- rather than running it again, so every sweep is complete on its own and no run is stored twice.
CREATE TABLE sweep_runs (
    sweep_id    INTEGER NOT NULL REFERENCES sweeps(id),
    task        INTEGER NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (sweep_id, task, run_id)
) WITHOUT ROWID;
CREATE INDEX sweep_runs_by_run ON sweep_runs(run_id);

-- The shards `sweep --shard I/N` wrote into this database (merge keeps them).  A database with
-- one row is that shard's database: a sweep or merge that would add another shard or another
-- sweep to it is refused, so shard files of an earlier sweep cannot mix into a later one.
CREATE TABLE shards (
    sweep_id    INTEGER NOT NULL REFERENCES sweeps(id),
    shard_index INTEGER NOT NULL,
    shard_count INTEGER NOT NULL,
    PRIMARY KEY (sweep_id, shard_count, shard_index)
) WITHOUT ROWID;

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    -- scenario | canonical params incl. seed | code version, then "|kernel" for kernel runs:
    -- a sweep re-run skips present keys.
    run_key      TEXT NOT NULL UNIQUE,
    sweep_key    TEXT,              -- the sweep that stored it (sweep_runs: every sweep it is in); NULL for `run --db`
    scenario     TEXT NOT NULL,     -- scenario file name without .ini
    experiment   TEXT NOT NULL,     -- with `params`, enough to re-run without the .ini file
    params       TEXT NOT NULL,     -- canonical "k=v;k=v;..." of every key, seed included
    point        TEXT NOT NULL,     -- the same without seed, plus ";engine=E": what seeds are aggregated over
    seed         INTEGER NOT NULL,
    code_version TEXT NOT NULL,     -- git describe of the build that ran it
    started      TEXT NOT NULL,     -- UTC, ISO 8601, ms
    finished     TEXT NOT NULL,
    wall_s       REAL NOT NULL,
    events       INTEGER NOT NULL,  -- simulator events executed (0 for kernel runs)
    engine       TEXT NOT NULL,     -- sim | kernel; also a params row (key 'engine'), so figures and
                                    -- --where select and separate the engines like any enum key
    -- NULL for a run that kept every invariant; else why it failed, e.g. "byte conservation
    -- violated: 1234 bytes unaccounted for": a simulator bug, kept as evidence (its metrics are
    -- stored too) but left out of every view, figure and comparison.
    failure      TEXT
);
CREATE INDEX runs_by_point ON runs(experiment, scenario, code_version, point);

-- Every parameter of a run, one row each: `text` is the canonical value, `num` the number
-- (NULL for enum keys) so figures can sort and filter numerically.
-- Indexes: figure queries go from the selected runs to their params, metrics and series, so the
-- primary keys (run_id first) serve them; an index by key or by metric name would scatter every
-- run's rows over as many index pages and made inserts twice as expensive (measured).
CREATE TABLE params (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    key     TEXT NOT NULL,
    text    TEXT NOT NULL,
    num     REAL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

-- Scalar metrics of a run (dotted names such as up_bytes_by_class.ack are kept flat).
CREATE TABLE metrics (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    name    TEXT NOT NULL,
    value   REAL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- Per-entity metrics: kind "peer", "slot", "flow", ...; entity is the experiment's index.
CREATE TABLE entity_metrics (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    kind    TEXT NOT NULL,
    entity  INTEGER NOT NULL,
    name    TEXT NOT NULL,
    value   REAL,
    PRIMARY KEY (run_id, kind, entity, name)
) WITHOUT ROWID;

-- Time series, one row per series and entity of a run (entity 0 unless per peer/slot), its
-- points as a JSON array of [t, value] pairs (t in s, null for a non-finite value).  A row per
-- point costs about 1 us to insert, more than simulating that second; view series_points below
-- gives the row-per-point form.  A rowid table: its rows are too long for WITHOUT ROWID.
CREATE TABLE series (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    name    TEXT NOT NULL,
    entity  INTEGER NOT NULL,
    n       INTEGER NOT NULL,   -- number of points
    points  TEXT NOT NULL       -- [[t, value], ...] in emission order
);
CREATE UNIQUE INDEX series_by_run ON series(run_id, name, entity);

-- Two-sided 95 % quantile of Student's t per degree of freedom, filled from GSL when the
-- database is created (SQL has no t-distribution); df above the table use the normal 1.959964.
CREATE TABLE t_quantile (
    df      INTEGER PRIMARY KEY,
    t975    REAL NOT NULL
);

-- The parameters of each parameter point (seed excluded), for selecting and labelling points.
CREATE VIEW point_params AS
SELECT DISTINCT r.experiment, r.scenario, r.code_version, r.point, p.key, p.text, p.num
FROM runs r JOIN params p ON p.run_id = r.id
WHERE p.key <> 'seed' AND r.failure IS NULL;

-- Every series point as a row: run_id, name, entity, t, value.
CREATE VIEW series_points AS
SELECT s.run_id, s.name, s.entity,
       json_extract(j.value, '$[0]') AS t, json_extract(j.value, '$[1]') AS value
FROM series s, json_each(s.points) j;

-- Across seeds, per parameter point and metric: count, mean, sample standard deviation and
-- the half-width of the 95 % confidence interval of the mean (t-distribution, n - 1 df).
-- Deviations are taken from the group mean (two passes), not from a sum of squares; equal
-- values give exactly mean = the value and sd = 0.
CREATE VIEW point_metric_stats AS
SELECT experiment, scenario, code_version, point, metric, n, mean, sd,
       CASE WHEN n > 1 THEN
           coalesce((SELECT t975 FROM t_quantile WHERE df = n - 1), 1.959964) * sd / sqrt(n)
       END AS ci95
FROM (
    SELECT experiment, scenario, code_version, point, metric, count(value) AS n,
           CASE WHEN min(value) = max(value) THEN min(value) ELSE avg(value) END AS mean,
           CASE WHEN count(value) < 2 THEN NULL
                WHEN min(value) = max(value) THEN 0.0
                ELSE sqrt(sum((value - gmean) * (value - gmean)) / (count(value) - 1))
           END AS sd
    FROM (
        SELECT r.experiment, r.scenario, r.code_version, r.point, m.name AS metric, m.value,
               avg(m.value) OVER (PARTITION BY r.experiment, r.scenario, r.code_version,
                                               r.point, m.name) AS gmean
        FROM runs r JOIN metrics m ON m.run_id = r.id
        WHERE r.failure IS NULL
    )
    GROUP BY experiment, scenario, code_version, point, metric
);

-- Answers the tool computed from this database's runs (`ratelab recommend`, `ratelab report`):
-- one row per table, its cells below.  Recomputing a table for the same code version replaces it.
CREATE TABLE rec_tables (
    tbl          TEXT NOT NULL,     -- 'marks', 'limit', 'slot_speed'
    code_version TEXT NOT NULL,     -- of the runs the table was computed from
    title        TEXT NOT NULL,     -- the question it answers
    rule         TEXT NOT NULL,     -- how each answer was computed, in words
    n_rows       INTEGER NOT NULL,
    computed     TEXT NOT NULL,     -- UTC, ISO 8601
    PRIMARY KEY (tbl, code_version)
) WITHOUT ROWID;

-- A table's cells: `text` as shown (e.g. "62.1 ± 3.4"), with the number behind it where there is
-- one: mean over seeds, half-width of its 95 % CI, and the seeds it rests on.
CREATE TABLE rec_cells (
    tbl          TEXT NOT NULL,
    code_version TEXT NOT NULL,
    row          INTEGER NOT NULL,  -- 0 is the header row
    col          INTEGER NOT NULL,
    text         TEXT NOT NULL,
    mean         REAL,
    ci95         REAL,
    n            INTEGER,
    PRIMARY KEY (tbl, code_version, row, col)
) WITHOUT ROWID;

-- Sensitivity studies (`ratelab sensitivity`): per study and key, the statistics of the
-- method (Morris: mu_star, mu, sigma; Sobol: S1, ST), each with a bootstrap 95 % CI half-width.
-- The study's runs are in `runs` with sweep_key = the study.
CREATE TABLE sensitivity (
    study        TEXT NOT NULL,     -- "SCENARIO METRIC METHOD keys..."
    code_version TEXT NOT NULL,
    scenario     TEXT NOT NULL,
    metric       TEXT NOT NULL,
    method       TEXT NOT NULL,     -- 'morris' or 'sobol'
    key          TEXT NOT NULL,     -- a scenario key, or '(seed)': the noise floor
    range_text   TEXT NOT NULL,     -- the range it was varied over, as given
    stat         TEXT NOT NULL,
    value        REAL,
    ci95         REAL,
    n            INTEGER NOT NULL,  -- elementary effects or base samples behind the value
    computed     TEXT NOT NULL,
    PRIMARY KEY (study, code_version, key, stat)
) WITHOUT ROWID;

-- Receive-path CPU calibrations (`ratelab calibrate`): receivers on real sockets, a paced sender,
-- least-squares costs per receive path.  One row per calibration; the rest hang off its id.
-- Simulated runs select one by `cpu_calibration = ID` (0 is the shipped one, calib/shipped/).
CREATE TABLE calibrations (
    id           INTEGER PRIMARY KEY,
    created      TEXT NOT NULL,     -- UTC, ISO 8601
    machine      TEXT NOT NULL,     -- CPU model, online CPUs, kernel release
    runtime      TEXT NOT NULL,     -- Erlang erts/OTP of the receivers ('none' without Erlang), libc
    code_version TEXT NOT NULL,     -- git describe of the ratelab that measured
    settings     TEXT NOT NULL      -- pinning, VM flags, window and warm-up, plan
);

-- Fit quality per receive path: least squares weighted by 1/y^2 (relative residuals) on the
-- median of each point's repetitions; r2 on the measured CPU per second, r2_weighted the same
-- with the fit's weights; tau_us the cold-cache time constant the fit chose; heldout_max_rel_err
-- the simulator's worst CPU prediction of a held-out point, heldout_count_max_rel_err its worst
-- prediction of the wake-ups or deliveries there (NULL until validated).
CREATE TABLE calib_fits (
    calibration_id      INTEGER NOT NULL REFERENCES calibrations(id),
    path                TEXT NOT NULL,   -- erl_passive | erl_active | erl_packet4 | c_blocking | c_epoll | c_hdrbody
    n_points            INTEGER NOT NULL,
    r2                  REAL NOT NULL,
    r2_weighted         REAL NOT NULL,
    rms_rel_resid       REAL NOT NULL,
    max_rel_resid       REAL NOT NULL,
    tau_us              REAL NOT NULL,
    heldout_max_rel_err REAL,
    heldout_count_max_rel_err REAL,
    PRIMARY KEY (calibration_id, path)
) WITHOUT ROWID;

-- The model per path: costs in ns per unit (wakeup, cold, delivery, segment, message, byte,
-- rate_mono, rate_localtime, tick, switch, base per second) and the mechanisms' measured
-- numbers: os_wakes (OS thread wake-ups per wake-up of the receiver), cold_tau_us (the cold-cache
-- time constant), lat_p00 .. lat_p100 (ns from data sent to a sleeping receiver's reading code
-- holding it, quantiles over every sleep), lat_sKK_p00 .. lat_sKK_p100 (the same after sleeps in
-- gap bin KK of sim/cpu_model.h, bins with enough samples only) and lat_sKK_n (their samples).
-- source says where each number comes from: fit (with its standard
-- error), bench (micro-benchmark) or mech (measured mechanism).
CREATE TABLE calib_coefs (
    calibration_id INTEGER NOT NULL REFERENCES calibrations(id),
    path           TEXT NOT NULL,
    feature        TEXT NOT NULL,
    ns             REAL NOT NULL,
    stderr         REAL,
    source         TEXT NOT NULL,
    PRIMARY KEY (calibration_id, path, feature)
) WITHOUT ROWID;

-- Every measurement (each repetition of each point): the traffic, what the receiver counted over
-- the window, its CPU (kernel per-thread accounting, ns) and its own accounting (getrusage /
-- statistics(runtime), user time only in Erlang), the machine's load then; fit_ns the fitted
-- model's CPU for the same counts; sim_* the simulator's CPU, OS wake-ups and deliveries for the
-- same traffic (held-out points).  gaps: deliveries by gap since the previous one (bins of
-- sim/cpu_model.h, '/'-separated); agaps: the segments the sender wrote in the window by gap since
-- its previous write; send_late: the sender's timer wake-ups by lateness (same bins).
CREATE TABLE calib_points (
    calibration_id INTEGER NOT NULL REFERENCES calibrations(id),
    seq        INTEGER NOT NULL,
    path       TEXT NOT NULL,
    role       TEXT NOT NULL,       -- fit | holdout | idle
    item       INTEGER NOT NULL,    -- the plan's point: repetitions share it
    rep        INTEGER NOT NULL,
    clock      TEXT NOT NULL,       -- none | mono | localtime
    conns      INTEGER NOT NULL,
    rate_Bps   REAL NOT NULL,       -- per connection, as asked of the sender
    mss        INTEGER NOT NULL,
    have_hz    REAL NOT NULL,
    window_s   REAL NOT NULL,
    cpu_ns     REAL NOT NULL,
    own_cpu_ns REAL,
    runs       INTEGER, vcsw INTEGER, ivcsw INTEGER, segs INTEGER, acks INTEGER, reads INTEGER,
    events     INTEGER, msgs INTEGER, bytes INTEGER, updates INTEGER, ticks INTEGER,
    gaps       TEXT,
    agaps      TEXT,
    load1      REAL,                -- 1-minute load average at the window's end
    other_cpu  REAL,                -- share of the receiver's CPU other processes used
    send_segs  INTEGER,             -- segments the sender wrote after its warm-up
    send_late  TEXT,
    fit_ns     REAL,
    sim_ns     REAL, sim_wakeups REAL, sim_deliveries REAL,
    PRIMARY KEY (calibration_id, seq)
) WITHOUT ROWID;

-- Micro-benchmarks: ns per rate update with each clock, per clock read, per mode switch.
CREATE TABLE calib_bench (
    calibration_id INTEGER NOT NULL REFERENCES calibrations(id),
    runtime        TEXT NOT NULL,   -- erlang | c
    what           TEXT NOT NULL,
    ns             REAL NOT NULL,
    PRIMARY KEY (calibration_id, runtime, what)
) WITHOUT ROWID;

PRAGMA user_version = 7;
