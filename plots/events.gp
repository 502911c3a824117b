# Kernel events per item (vm counters cowbench reads around each
# benchmark), one panel per event that moved, benchmarks clustered by cell.
# data: one block per event: a comment naming the columns, then per
# benchmark its name and one column per cell.
# Variables: data, out, title, width, height, nevents, ncells, events, cells
# (events and cells: space-separated names, picked by word() as titles,
# never run: cowbench's event names and cell names, which have no space or
# quote).
load dir.'/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.75 border -1
set xtics rotate by -55 scale 0 font 'sans,9'
set yrange [0:*]
set multiplot layout nevents,1 title title
unset title
do for [e=1:nevents] {
	set ylabel word(events, e).' per item'
	# A cell without a value (NaN: its benchmark failed or was skipped) draws
	# no bar; were a whole column NaN, gnuplot would refuse the histogram.
	plot for [c=1:ncells] data index (e-1) using (strcol(c+1) eq "NaN" ? 0 : column(c+1)):xtic(1) \
		lt c title word(cells, c)
}
unset multiplot
