#!/usr/bin/env bash
# Makes the pictures of a finished run with gnuplot:
#   RUN/pictures/learning_curves.png  loss and accuracy per epoch, train vs test
#   RUN/pictures/examples.png         9 right and 9 wrong test digits, captioned
#   RUN/pictures/confusion.png        the confusion matrix
# Usage: launch/pictures.sh RUN_DIR [--dataset NAME] [--data DIR]
# RUN_DIR holds metrics.csv and checkpoints/ (output.metrics and
# output.checkpoint_dir of the shipped configs, e.g. runs/mlp512).
set -euo pipefail
[ $# -ge 1 ] || { echo "pictures.sh: usage: pictures.sh RUN_DIR [--dataset NAME] [--data DIR]" >&2; exit 2; }
run=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
binary=${MNIST_DP_BINARY:-$repo/build/mnist_dp}
[ -f "$run/metrics.csv" ] || { echo "pictures.sh: $run/metrics.csv: no such file" >&2; exit 3; }
command -v gnuplot > /dev/null || { echo "pictures.sh: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
out=$run/pictures
mkdir -p "$out/data"
"$binary" evaluate --model "$run/checkpoints" --examples "$out/data" --verbose 0 "$@" > "$out/evaluation.txt"

gnuplot <<GNUPLOT
set terminal pngcairo size 1000,420 font "sans,11"
set output "$out/learning_curves.png"
set datafile separator ","
set key autotitle columnhead
set multiplot layout 1,2 title "Learning curves ($run)"
set xlabel "epoch"
set grid
set title "loss"
plot "$run/metrics.csv" using 1:2 with linespoints title "train", \
     "" using 1:4 with linespoints title "test"
set title "accuracy"
set key bottom right
plot "$run/metrics.csv" using 1:3 with linespoints title "train", \
     "" using 1:5 with linespoints title "test"
unset multiplot
GNUPLOT

captions=$out/data/captions.txt
{
  echo 'set terminal pngcairo size 1200,720 font "sans,10"'
  echo "set output \"$out/examples.png\""
  echo 'set multiplot layout 3,6 title "Test digits: 9 classified correctly, 9 wrongly"'
  echo 'unset key; unset tics; unset colorbox; set size ratio -1; set palette gray'
  echo 'set yrange [*:*] reverse'
  while read -r name caption; do
    echo "set title \"$caption\""
    echo "plot \"$out/data/$name.txt\" matrix with image"
  done < "$captions"
  echo 'unset multiplot'
} | gnuplot

gnuplot <<GNUPLOT
set terminal pngcairo size 640,600 font "sans,10"
set output "$out/confusion.png"
set datafile separator ","
set title "Confusion matrix (rows: truth, columns: predicted)"
set xlabel "predicted"; set ylabel "truth"
set xrange [-0.5:9.5]; set yrange [9.5:-0.5]
set xtics 0,1,9; set ytics 0,1,9
set palette defined (0 "white", 1 "#2060c0")
set cbrange [0:50]
set cblabel "count (colour saturates at 50)"
plot "$out/data/confusion.csv" matrix with image notitle, \
     "" matrix using 1:2:(sprintf("%d", \$3)) with labels font "sans,8" notitle
GNUPLOT
echo "pictures.sh: wrote $out/learning_curves.png, $out/examples.png, $out/confusion.png"
