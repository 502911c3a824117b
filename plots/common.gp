# Shared by every cowbench plot: SVG for inline use in index.html, names as
# they are (noenhanced: "thp:off" and "_" are not markup), light grid.
# Variables from `cowbench report`: out, title, width, height.
# Names come from datasets, which are untrusted input: the templates use
# every variable and data-file string as a value only -- no @macro, eval,
# system() or backquote, nothing built into a command -- and `cowbench
# report` passes strings only as quoted literals (report_plot.c).
set terminal svg size width,height dynamic noenhanced font 'sans,11' background rgb 'white'
set output out
set title title
set grid ytics lc rgb '#dddddd'
set key outside right top vertical noenhanced
set border 3
set tics nomirror
set linetype 1 lc rgb '#1f77b4' pt 7
set linetype 2 lc rgb '#d62728' pt 5
set linetype 3 lc rgb '#2ca02c' pt 9
set linetype 4 lc rgb '#ff7f0e' pt 11
set linetype 5 lc rgb '#9467bd' pt 13
set linetype 6 lc rgb '#8c564b' pt 4
set linetype 7 lc rgb '#e377c2' pt 6
set linetype 8 lc rgb '#7f7f7f' pt 8
set linetype cycle 8
