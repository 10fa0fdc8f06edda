
set terminal pngcairo size 900,520 font 'sans,10'
set datafile missing 'NaN'
set key outside right top
set grid ytics

set output 'bench/results/runs/1/hook_latency.png'
set title 'Hook latency (fake CRI, profile 1.35): engine vs floor'
set key below
set ylabel 'µs per hook'
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
plot 'bench/results/runs/1/data/hook_latency.dat' using 2:xtic(1) title 'floor (bare ExecSync / httplib GET)', \
     '' using 3 title 'HandlerRunner::Run', \
     '' using 5 title 'postStart path Δ, bare', \
     '' using 4 title 'postStart path Δ, engine', \
     '' using 7 title 'preStop path Δ, bare', \
     '' using 6 title 'preStop path Δ, engine'
unset style

set output 'bench/results/runs/1/throughput_concurrency.png'
set terminal pngcairo size 1200,800 font 'sans,10'
set multiplot layout 2,2 title 'Pods per second vs pods handled at once (fake CRI; solid = engine, dashed = bare sequence)'
set logscale x 2
set logscale y 10
set xlabel 'pods at once'
set ylabel 'pods/s (log scale)'
set key inside left top font ',8'
set title 'pod sync, hooks: none'
plot 'bench/results/runs/1/data/sync_none_concurrency.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, 1 container', \
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, 4', \
     '' using 1:4 with linespoints lc 3 lw 2 title 'engine, 16', \
     '' using 1:5 with linespoints lc 1 dt 2 title 'bare, 1', \
     '' using 1:6 with linespoints lc 2 dt 2 title 'bare, 4', \
     '' using 1:7 with linespoints lc 3 dt 2 title 'bare, 16'
set title 'pod sync, hooks: exec'
plot 'bench/results/runs/1/data/sync_exec_concurrency.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, 1 container', \
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, 4', \
     '' using 1:4 with linespoints lc 3 lw 2 title 'engine, 16', \
     '' using 1:5 with linespoints lc 1 dt 2 title 'bare, 1', \
     '' using 1:6 with linespoints lc 2 dt 2 title 'bare, 4', \
     '' using 1:7 with linespoints lc 3 dt 2 title 'bare, 16'
set title 'termination, hooks: none'
plot 'bench/results/runs/1/data/terminate_none_concurrency.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, 1 container', \
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, 4', \
     '' using 1:4 with linespoints lc 3 lw 2 title 'engine, 16', \
     '' using 1:5 with linespoints lc 1 dt 2 title 'bare, 1', \
     '' using 1:6 with linespoints lc 2 dt 2 title 'bare, 4', \
     '' using 1:7 with linespoints lc 3 dt 2 title 'bare, 16'
set title 'termination, hooks: exec'
plot 'bench/results/runs/1/data/terminate_exec_concurrency.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, 1 container', \
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, 4', \
     '' using 1:4 with linespoints lc 3 lw 2 title 'engine, 16', \
     '' using 1:5 with linespoints lc 1 dt 2 title 'bare, 1', \
     '' using 1:6 with linespoints lc 2 dt 2 title 'bare, 4', \
     '' using 1:7 with linespoints lc 3 dt 2 title 'bare, 16'
unset multiplot
unset logscale x
unset logscale y

set terminal pngcairo size 1200,520 font 'sans,10'
set output 'bench/results/runs/1/cost_per_container.png'
set multiplot layout 1,2 title 'Cost per pod vs containers per pod (fake CRI, 1 pod at a time)'
set xlabel 'containers per pod'
set ylabel 'µs per pod'
set xtics (1, 4, 16)
set title 'pod sync'
plot 'bench/results/runs/1/data/sync_cost.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, no hooks', \
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, exec hooks', \
     '' using 1:4 with linespoints lc 1 dt 2 title 'bare, no hooks', \
     '' using 1:5 with linespoints lc 2 dt 2 title 'bare, exec hooks'
set title 'termination'
plot 'bench/results/runs/1/data/terminate_cost.dat' using 1:2 with linespoints lc 1 lw 2 title 'engine, no hooks', \
     '' using 1:3 with linespoints lc 2 lw 2 title 'engine, exec hooks', \
     '' using 1:4 with linespoints lc 1 dt 2 title 'bare, no hooks', \
     '' using 1:5 with linespoints lc 2 dt 2 title 'bare, exec hooks'
unset multiplot
set xtics autofreq

set terminal pngcairo size 900,520 font 'sans,10'
set output 'bench/results/runs/1/fake_capacity.png'
set title 'Fake CRI capacity: Version calls/s vs concurrent clients'
set xlabel 'concurrent clients (one connection each)'
set ylabel 'calls/s'
set logscale x 2
set yrange [0:*]
plot 'bench/results/runs/1/data/capacity.dat' using 1:2 with linespoints lw 2 title 'fake CRI server', \
     '' using 1:3 with linespoints lw 2 dt 2 title 'bare gRPC server'
