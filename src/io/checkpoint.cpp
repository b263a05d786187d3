// HDF5 checkpoint writer and reader (HDF5 calls through hdf5_helpers.hpp).
#include "mnist_dp/io/checkpoint.hpp"

#include <cstring>
#include <fstream>

#include "fnv1a.hpp"
#include "hdf5_helpers.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/core/input_file.hpp"
#include "mnist_dp/io/file_seal.hpp"

namespace mnist_dp {
namespace {

using namespace hdf5;

constexpr const char* kFormat = "mnist_dp-checkpoint";
// 2: the checksum covers the whole state. 3: strings are fixed-length, and
// variable-length ones are refused before HDF5 reads them: HDF5 1.10's global
// heap reader overflows a buffer on corrupt variable-length strings (found by
// fuzz/fuzz_checkpoint; input in fuzz/crashes/). 4: the file is sealed (a
// whole-file checksum in the HDF5 user block, checked before HDF5 parses it),
// because HDF5 1.10 also crashes on other corrupt object headers.
constexpr std::int64_t kFormatVersion = 4;
constexpr bool kAllowVariableLength = false;
const char* const kHistoryColumns[] = {"epoch",        "loss",          "accuracy",    "val_loss",
                                       "val_accuracy", "train_seconds", "eval_seconds"};

void write_contents(hid_t file, const Checkpoint& c) {
  const TrainingProgress& p = c.progress;
  write_bytes_attr(file, "format", kFormat);
  write_scalar_attr(file, "format_version", H5T_NATIVE_INT64, kFormatVersion);
  write_scalar_attr(file, "seed", H5T_NATIVE_UINT64, c.seed);
  write_scalar_attr(file, "epoch", H5T_NATIVE_UINT64, p.epoch);
  write_scalar_attr(file, "step_in_epoch", H5T_NATIVE_UINT64, p.step_in_epoch);
  write_scalar_attr(file, "global_step", H5T_NATIVE_UINT64, p.global_step);
  write_scalar_attr(file, "checksum", H5T_NATIVE_UINT64, checkpoint_checksum(c));
  write_bytes_attr(file, "config", c.config_yaml);

  Handle weights = make_group(file, "model_weights");
  std::vector<std::string> names;
  for (const ParamTensor& t : c.tensors) {
    names.push_back(t.name);
    const std::size_t slash = t.name.find('/');
    const std::string layer = t.name.substr(0, slash);
    if (H5Lexists(weights.get(), layer.c_str(), H5P_DEFAULT) <= 0) make_group(weights.get(), layer);
    std::vector<hsize_t> dims =
        t.rows == 1 ? std::vector<hsize_t>{t.cols} : std::vector<hsize_t>{t.rows, t.cols};
    write_dataset(weights.get(), t.name, H5T_NATIVE_FLOAT, c.params.data() + t.offset, dims);
  }
  write_bytes_list_attr(weights.get(), "weight_names", names);

  Handle optimizer = make_group(file, "optimizer");
  write_bytes_attr(optimizer.get(), "name", c.optimizer_name);
  write_scalar_attr(optimizer.get(), "iterations", H5T_NATIVE_UINT64, c.optimizer_iterations);
  std::vector<std::string> slot_names;
  for (const NamedArray& slot : c.optimizer_slots) {
    slot_names.push_back(slot.name);
    write_dataset(optimizer.get(), slot.name, H5T_NATIVE_FLOAT, slot.values.data(),
                  {slot.values.size()});
  }
  write_bytes_list_attr(optimizer.get(), "slot_names", slot_names);

  Handle progress = make_group(file, "progress");
  write_scalar_attr(progress.get(), "loss_sum", H5T_NATIVE_DOUBLE, p.loss_sum);
  write_scalar_attr(progress.get(), "correct", H5T_NATIVE_DOUBLE, p.correct);
  write_scalar_attr(progress.get(), "seen", H5T_NATIVE_DOUBLE, p.seen);

  Handle history = make_group(file, "history");
  const double EpochMetrics::*fields[] = {nullptr,
                                          &EpochMetrics::loss,
                                          &EpochMetrics::accuracy,
                                          &EpochMetrics::val_loss,
                                          &EpochMetrics::val_accuracy,
                                          &EpochMetrics::train_seconds,
                                          &EpochMetrics::eval_seconds};
  for (std::size_t col = 0; col < std::size(kHistoryColumns); ++col) {
    std::vector<double> values;
    for (const EpochMetrics& m : p.history) {
      values.push_back(fields[col] ? m.*fields[col] : static_cast<double>(m.epoch));
    }
    write_dataset(history.get(), kHistoryColumns[col], H5T_NATIVE_DOUBLE, values.data(),
                  {values.size()});
  }
}

// ---- reading ----

Checkpoint read_contents(hid_t file) {
  if (H5Aexists(file, "format") <= 0 ||
      read_string_attr(file, "format", kAllowVariableLength) != kFormat) {
    throw Failure("not a mnist_dp checkpoint (no format attribute 'mnist_dp-checkpoint')");
  }
  const auto version = read_scalar_attr<std::int64_t>(file, "format_version", H5T_NATIVE_INT64);
  if (version != kFormatVersion) {
    throw Failure("checkpoint format version " + std::to_string(version) + " is not supported");
  }
  Checkpoint c;
  TrainingProgress& p = c.progress;
  c.seed = read_scalar_attr<std::uint64_t>(file, "seed", H5T_NATIVE_UINT64);
  p.epoch = read_scalar_attr<std::uint64_t>(file, "epoch", H5T_NATIVE_UINT64);
  p.step_in_epoch = read_scalar_attr<std::uint64_t>(file, "step_in_epoch", H5T_NATIVE_UINT64);
  p.global_step = read_scalar_attr<std::uint64_t>(file, "global_step", H5T_NATIVE_UINT64);
  const auto checksum = read_scalar_attr<std::uint64_t>(file, "checksum", H5T_NATIVE_UINT64);
  c.config_yaml = read_string_attr(file, "config", kAllowVariableLength);

  if (H5Lexists(file, "model_weights", H5P_DEFAULT) <= 0)
    throw Failure("missing group 'model_weights'");
  Handle weights(must(H5Gopen2(file, "model_weights", H5P_DEFAULT), "model_weights"), H5Gclose);
  for (const std::string& name :
       read_strings_attr(weights.get(), "weight_names", kAllowVariableLength)) {
    std::vector<hsize_t> dims;
    std::vector<float> values = read_dataset<float>(weights.get(), name, H5T_NATIVE_FLOAT, &dims);
    const std::size_t rows = dims.size() == 2 ? dims[0] : 1;
    const std::size_t cols = dims.empty() ? 1 : dims.back();
    c.tensors.push_back({name, c.params.size(), rows, cols});
    c.params.insert(c.params.end(), values.begin(), values.end());
  }
  if (H5Lexists(file, "optimizer", H5P_DEFAULT) <= 0) throw Failure("missing group 'optimizer'");
  Handle optimizer(must(H5Gopen2(file, "optimizer", H5P_DEFAULT), "optimizer"), H5Gclose);
  c.optimizer_name = read_string_attr(optimizer.get(), "name", kAllowVariableLength);
  c.optimizer_iterations =
      read_scalar_attr<std::uint64_t>(optimizer.get(), "iterations", H5T_NATIVE_UINT64);
  for (const std::string& name :
       read_strings_attr(optimizer.get(), "slot_names", kAllowVariableLength)) {
    c.optimizer_slots.push_back(
        {name, read_dataset<float>(optimizer.get(), name, H5T_NATIVE_FLOAT)});
  }

  if (H5Lexists(file, "progress", H5P_DEFAULT) <= 0) throw Failure("missing group 'progress'");
  Handle progress(must(H5Gopen2(file, "progress", H5P_DEFAULT), "progress"), H5Gclose);
  p.loss_sum = read_scalar_attr<double>(progress.get(), "loss_sum", H5T_NATIVE_DOUBLE);
  p.correct = read_scalar_attr<double>(progress.get(), "correct", H5T_NATIVE_DOUBLE);
  p.seen = read_scalar_attr<double>(progress.get(), "seen", H5T_NATIVE_DOUBLE);

  if (H5Lexists(file, "history", H5P_DEFAULT) <= 0) throw Failure("missing group 'history'");
  Handle history(must(H5Gopen2(file, "history", H5P_DEFAULT), "history"), H5Gclose);
  std::vector<std::vector<double>> columns;
  for (const char* col : kHistoryColumns) {
    columns.push_back(read_dataset<double>(history.get(), col, H5T_NATIVE_DOUBLE));
    if (columns.back().size() != columns.front().size())
      throw Failure("history columns differ in length");
  }
  for (std::size_t i = 0; i < columns[0].size(); ++i) {
    p.history.push_back({static_cast<std::uint64_t>(columns[0][i]), columns[1][i], columns[2][i],
                         columns[3][i], columns[4][i], columns[5][i], columns[6][i]});
  }
  if (checkpoint_checksum(c) != checksum)
    throw Failure("state checksum mismatch (the file is corrupt)");
  return c;
}

}  // namespace

std::uint64_t checkpoint_checksum(const Checkpoint& c) {
  Fnv1a64 hash;
  auto add = [&hash](const void* data, std::size_t bytes) { hash.add(data, bytes); };
  auto add_value = [&add](const auto& v) { add(&v, sizeof v); };
  const TrainingProgress& p = c.progress;
  add(c.config_yaml.data(), c.config_yaml.size());
  for (const auto v : {c.seed, p.epoch, p.step_in_epoch, p.global_step, c.optimizer_iterations})
    add_value(v);
  for (const double v : {p.loss_sum, p.correct, p.seen}) add_value(v);
  add(c.params.data(), c.params.size() * sizeof(float));
  add(c.optimizer_name.data(), c.optimizer_name.size());
  for (const NamedArray& slot : c.optimizer_slots) {
    add(slot.name.data(), slot.name.size());
    add(slot.values.data(), slot.values.size() * sizeof(float));
  }
  for (const EpochMetrics& m : p.history) {
    add_value(m.epoch);
    for (const double v :
         {m.loss, m.accuracy, m.val_loss, m.val_accuracy, m.train_seconds, m.eval_seconds})
      add_value(v);
  }
  return hash.value;
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  write_hdf5_file(
      path, "checkpoint", [&](hid_t file) { write_contents(file, checkpoint); }, Seal::kWholeFile);
}

Checkpoint read_checkpoint_image(std::span<const std::byte> image) {
  try {
    verify_seal(image);
  } catch (const std::runtime_error& e) {
    throw Failure(e.what());
  }
  const Handle file = open_image_for_reading(image);
  return read_contents(file.get());
}

Checkpoint read_checkpoint(const std::string& path) {
  if (const std::string problem = input_file_problem(path); !problem.empty())
    throw DataError(path + ": " +
                    (problem == "no such file" ? "no such checkpoint file" : problem));
  try {
    return read_checkpoint_image(read_file_bytes(path));
  } catch (const std::runtime_error& e) {
    throw DataError(path + ": " + e.what());
  }
}

bool is_sealed_checkpoint(const std::string& path) {
  if (!input_file_problem(path).empty()) return false;
  std::ifstream in(path, std::ios::binary);
  std::vector<std::byte> start(kSealBytes);
  in.read(reinterpret_cast<char*>(start.data()), static_cast<std::streamsize>(start.size()));
  return in && looks_sealed(start);
}

}  // namespace mnist_dp
