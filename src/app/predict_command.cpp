// `mnist_dp predict`: the digit and class probabilities for image files (made
// MNIST-like first) or for images of an IDX file.
#include <cstdio>
#include <sstream>

#include "command_support.hpp"
#include "mnist_dp/app/commands.hpp"
#include "mnist_dp/data/digit_image.hpp"
#include "mnist_dp/data/idx_reader.hpp"
#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/io/output_guard.hpp"
#include "mnist_dp/nn/softmax_cross_entropy.hpp"

namespace mnist_dp {
namespace {

struct Inputs {
  std::vector<std::string> names;
  std::vector<float> pixels;  // names.size() rows of the model's input size
};

Inputs read_idx_inputs(const std::string& path, std::size_t first, std::size_t count) {
  const IdxImages images = read_idx_images(path);
  if (first >= images.count) {
    throw UsageError("--first: " + path + " has only " + std::to_string(images.count) + " images");
  }
  const std::size_t n = count ? std::min(count, images.count - first) : images.count - first;
  const std::size_t features = images.rows * images.cols;
  Inputs in;
  for (std::size_t i = first; i < first + n; ++i) {
    in.names.push_back(path + "[" + std::to_string(i) + "]");
    for (std::size_t c = 0; c < features; ++c) {
      in.pixels.push_back(static_cast<float>(images.pixels[i * features + c]) / 255.0f);
    }
  }
  return in;
}

Inputs read_image_inputs(const std::vector<std::string>& paths) {
  Inputs in;
  for (const std::string& path : paths) {
    in.names.push_back(path);
    for (std::uint8_t v : load_digit_image(path))
      in.pixels.push_back(static_cast<float>(v) / 255.0f);
  }
  return in;
}

}  // namespace

int run_predict_command(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string model_path, idx, csv;
  std::vector<std::string> images;
  std::size_t first = 0, count = 10;
  bool overwrite = false;
  po::options_description desc(
      "Usage: mnist_dp predict --model FILE IMAGE...\n"
      "       mnist_dp predict --model FILE --idx IMAGES [--first N] [--count M]\n"
      "Prints the predicted digit and the class probabilities of each image. Image files\n"
      "(PNG, JPEG, BMP, ...) are made MNIST-like: grayscale, inverted if the background is\n"
      "light, cropped, fitted in 20x20 and centred by mass in 28x28.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "model", po::value(&model_path)->required(),
      "Keras .h5 model, mnist_dp checkpoint, or checkpoint directory")(
      "image", po::value(&images), "image files (also given without the flag)")(
      "idx", po::value(&idx), "an IDX image file, e.g. data/mnist/t10k-images-idx3-ubyte")(
      "first", po::value(&first), "first IDX image to predict (default 0)")(
      "count", po::value(&count), "number of IDX images, 0 for all (default 10)")(
      "csv", po::value(&csv), "also write name,predicted,p0..p9 rows to this CSV file")(
      "overwrite", po::bool_switch(&overwrite), "allow --csv to replace a checkpoint");
  po::positional_options_description positional;
  positional.add("image", -1);
  return run_command_body([&] {
    po::variables_map vm;
    if (!parse_command_line(argc, argv, desc, &positional, vm)) return;
    if (images.empty() == idx.empty()) throw UsageError("give image files or --idx (one of them)");
    OutputGuard guard(overwrite);
    guard.add_input(resolve_checkpoint_path(model_path));
    guard.add_input(idx);
    for (const std::string& image : images) guard.add_input(image);
    guard.check_output(csv, "--csv");
    const ModelFile file = load_model_file(model_path);
    const Inputs in = idx.empty() ? read_image_inputs(images) : read_idx_inputs(idx, first, count);
    const std::size_t n = in.names.size();
    if (in.pixels.size() != n * file.input_size) {
      throw DataError(model_path + ": the model takes " + std::to_string(file.input_size) +
                      " inputs per image, the images have " + std::to_string(in.pixels.size() / n));
    }
    const std::unique_ptr<Model> model = build_model(file, n);
    const ConstMatrixView logits =
        model->forward(StepContext{}, ConstMatrixView{in.pixels.data(), n, file.input_size});
    std::vector<float> probs(n * kNumClasses);
    softmax_rows(logits, MatrixView{probs.data(), n, kNumClasses});
    std::ostringstream out;
    out << "name,predicted";
    for (std::size_t c = 0; c < kNumClasses; ++c) out << ",p" << c;
    out << "\n";
    out.precision(9);
    for (std::size_t i = 0; i < n; ++i) {
      const float* p = probs.data() + i * kNumClasses;
      const std::size_t digit = static_cast<std::size_t>(std::max_element(p, p + kNumClasses) - p);
      std::printf("%s: %zu (%.1f%%)  [", in.names[i].c_str(), digit, 100.0 * p[digit]);
      for (std::size_t c = 0; c < kNumClasses; ++c)
        std::printf("%s%zu: %.3f", c ? ", " : "", c, p[c]);
      std::printf("]\n");
      out << in.names[i] << "," << digit;
      for (std::size_t c = 0; c < kNumClasses; ++c) out << "," << p[c];
      out << "\n";
    }
    if (!csv.empty()) write_file_atomically(csv, out.str(), "--csv file");
  });
}

}  // namespace mnist_dp
