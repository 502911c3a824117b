# Cost against size: one line per series (cell, case, THP), the median with
# the repetitions' min..max as error bars, log-scaled size axis.
# data: one block per series (two blank lines between), its first line the
# title, then "size median min max" rows.
# Variables: data, out, title, width, height, nseries, xlabel, ylabel, logy
# (1: log y, for faults where a THP costs per page 1/512 of a small page).
load dir.'/common.gp'
set logscale x 2
if (logy) set logscale y 10
set xlabel xlabel
set ylabel ylabel
set key autotitle columnhead
plot for [i=0:nseries-1] data index i using 1:2:3:4 with yerrorlines lt (i+1) lw 1.5
