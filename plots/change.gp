# Per-benchmark change of each cell against the baseline, with the 95%
# bootstrap interval of the change of the median as error bars.
# data: header "benchmark" then "cell lo hi" per cell; one row per benchmark.
# Variables: data, out, title, width, height, ncells, ylabel.
load dir.'/common.gp'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.75 border -1
set boxwidth 0.9
set ylabel ylabel
set xtics rotate by -55 scale 0 font 'sans,9'
set xzeroaxis lt -1
set key autotitle columnhead
plot for [c=1:ncells] data using (column(3*c-1)):(column(3*c)):(column(3*c+1)):xtic(1) lt c
