# Shared by the testbed trace reducers (tools/tbf_watchdog_trace.py, tools/host_backlog_trace.py):
# quantiles of a sample, and the { q, us } rows that contract/quantile.h's tables hold.
import sys

# The quantiles a contract table keeps (contract/tbf_watchdog.h, contract/host_backlog.h).
QS = [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1]


def quantile(v, q):
    """v sorted; linear between order statistics (numpy's default)."""
    x = q * (len(v) - 1)
    i = int(x)
    return v[i] if i + 1 >= len(v) else v[i] + (x - i) * (v[i + 1] - v[i])


def rows(v):
    """v sorted: the table's rows { q, us }, six to a line, as C initializers."""
    r = ['{ %g, %.1f }' % (q, quantile(v, q)) for q in QS]
    return '\n'.join('    ' + ', '.join(r[i:i + 6]) + (',' if i + 6 < len(r) else '') for i in range(0, len(r), 6))


def table_and_paths(argv, doc):
    """A reducer's command line, [--table] TRACE...: (table, paths); the usage and exit 2 without a trace."""
    paths = [a for a in argv if a != '--table']
    if not paths:
        print(doc, file=sys.stderr)
        sys.exit(2)
    return '--table' in argv, paths
