-- Simulator against kernel on the validation grid: one row per case and goodput metric.
-- The kernel runs are the main database (validation/kernel.sql), the simulator's are attached
-- as `s`.  A case is a scenario name (tools/validate.sh writes one scenario file per grid line),
-- so the join needs no code version: the kernel data stay valid while the simulator changes.
-- Rules (the validation's "done when"): no competing upload: within 3 %; an upload paced at
-- <= 80 % of the uplink: within 10 %; otherwise the simulator's median inside the kernel's
-- range and within a factor of 1.5 of the kernel's median.
WITH
sim AS (SELECT r.scenario AS c, m.name AS metric, m.value AS v FROM s.runs r JOIN s.metrics m ON m.run_id = r.id
        WHERE r.engine = 'sim' AND r.failure IS NULL AND m.name IN ('down_goodput_kbps', 'up_goodput_kbps')),
ker AS (SELECT r.scenario AS c, m.name AS metric, m.value AS v FROM main.runs r JOIN main.metrics m ON m.run_id = r.id
        WHERE r.engine = 'kernel' AND r.failure IS NULL AND m.name IN ('down_goodput_kbps', 'up_goodput_kbps')),
simr AS (SELECT c, metric, v, row_number() OVER (PARTITION BY c, metric ORDER BY v) AS rn,
                count(*) OVER (PARTITION BY c, metric) AS n FROM sim),
kerr AS (SELECT c, metric, v, row_number() OVER (PARTITION BY c, metric ORDER BY v) AS rn,
                count(*) OVER (PARTITION BY c, metric) AS n FROM ker),
simm AS (SELECT c, metric, avg(v) AS med, max(n) AS n FROM simr WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY c, metric),
kerm AS (SELECT c, metric, avg(v) AS med, max(n) AS n FROM kerr WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY c, metric),
kerx AS (SELECT c, metric, min(v) AS lo, max(v) AS hi FROM ker GROUP BY c, metric),
-- The case's upload, from one simulator run's parameters.
up AS (SELECT r.scenario AS c,
              max(CASE WHEN p.key = 'n_up' THEN p.num END) AS n_up,
              max(CASE WHEN p.key = 'up_limit_kbps' THEN p.num END) AS lim,
              max(CASE WHEN p.key = 'up_kbps' THEN p.num END) AS up_kbps,
              max(CASE WHEN p.key = 'n_up' THEN p.num END) * max(CASE WHEN p.key = 'up_limit_kbps' THEN p.num END) AS lim_total
       FROM s.runs r JOIN s.params p ON p.run_id = r.id
       WHERE r.id IN (SELECT min(id) FROM s.runs GROUP BY scenario) GROUP BY r.scenario),
cmp AS (
  SELECT k.c AS case_name, k.metric, sm.med AS sim, k.med AS kernel, x.lo, x.hi, k.n AS kernel_runs, sm.n AS sim_seeds,
         CASE WHEN u.n_up = 0 THEN 'none'
              WHEN u.lim > 0 AND u.lim_total <= 0.8 * u.up_kbps + 1e-9 THEN 'paced<=80%'
              ELSE 'saturating' END AS regime
  FROM kerm k JOIN kerx x USING (c, metric) JOIN simm sm USING (c, metric) JOIN up u ON u.c = k.c
  WHERE NOT (k.metric = 'up_goodput_kbps' AND u.n_up = 0))
SELECT case_name, replace(metric, '_goodput_kbps', '') AS metric, regime,
       round(sim, 1) AS sim_median, round(kernel, 1) AS kernel_median, round(lo, 1) AS kernel_min, round(hi, 1) AS kernel_max,
       kernel_runs, round(sim / nullif(kernel, 0), 3) AS sim_per_kernel,
       CASE regime
         WHEN 'none' THEN CASE WHEN abs(sim - kernel) <= 0.03 * kernel THEN 'ok' ELSE 'DIFFERS' END
         WHEN 'paced<=80%' THEN CASE WHEN abs(sim - kernel) <= 0.10 * kernel THEN 'ok' ELSE 'DIFFERS' END
         ELSE CASE WHEN sim >= lo AND sim <= hi AND sim <= 1.5 * kernel AND sim * 1.5 >= kernel THEN 'ok' ELSE 'DIFFERS' END
       END AS verdict
FROM cmp ORDER BY case_name, metric;
