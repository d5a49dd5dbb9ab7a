# Shared set-up of every ratelab figure: terminal from `term` (png or svg), output file `out`,
# then the figure's variables from settings.gp written by `ratelab plot` into `dir`.
if (term eq 'svg') {
    set terminal svg size 1000,620 dynamic noenhanced font 'DejaVu Sans,12' background rgb 'white'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size 1000,620 noenhanced font 'DejaVu Sans,11'
    } else {
        set terminal png size 1000,620 noenhanced
    }
}
set output out
load dir.'/settings.gp'
# A metric that is the same at every point would leave gnuplot an empty range (a warning, so an
# error here): the figure code then names a range around the value.
if (exists('xrange_cmd')) { eval xrange_cmd }
if (exists('yrange_cmd')) { eval yrange_cmd }
set title title_text
set grid lc rgb '#dddddd'
set key outside right top
set border 3
set tics nomirror
