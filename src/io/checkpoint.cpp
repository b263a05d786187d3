// HDF5 checkpoint writer and reader; the only file that includes HDF5.
#include "mnist_dp/io/checkpoint.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "mnist_dp/data/idx_reader.hpp"

namespace mnist_dp {
namespace {

constexpr const char* kFormat = "mnist_dp-checkpoint";
constexpr std::int64_t kFormatVersion = 1;
const char* const kHistoryColumns[] = {"epoch",        "loss",          "accuracy",    "val_loss",
                                       "val_accuracy", "train_seconds", "eval_seconds"};

// Owns one HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(herr_t status, const char* what) {
  if (status < 0) throw Failure(what);
}

hid_t must(hid_t id, const char* what) {
  if (id < 0) throw Failure(what);
  return id;
}

// A variable-length string type in character set `cset`; the caller closes it.
hid_t variable_string_type(H5T_cset_t cset) {
  const hid_t type = must(H5Tcopy(H5T_C_S1), "string type");
  if (H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, cset) < 0) {
    H5Tclose(type);
    throw Failure("string type");
  }
  return type;
}

// ---- writing ----

void write_string_attr(hid_t obj, const char* name, const std::string& value) {
  Handle type(variable_string_type(H5T_CSET_UTF8), H5Tclose);
  Handle space(must(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle attr(must(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
              H5Aclose);
  const char* text = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &text), name);
}

void write_strings_attr(hid_t obj, const char* name, const std::vector<std::string>& values) {
  Handle type(variable_string_type(H5T_CSET_UTF8), H5Tclose);
  const hsize_t n = values.size();
  Handle space(must(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  Handle attr(must(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
              H5Aclose);
  std::vector<const char*> ptrs;
  for (const std::string& v : values) ptrs.push_back(v.c_str());
  check(H5Awrite(attr.get(), type.get(), ptrs.data()), name);
}

template <typename T>
void write_scalar_attr(hid_t obj, const char* name, hid_t type, T value) {
  Handle space(must(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle attr(must(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
              H5Aclose);
  check(H5Awrite(attr.get(), type, &value), name);
}

void write_dataset(hid_t parent, const std::string& name, hid_t type, const void* data,
                   std::vector<hsize_t> dims) {
  Handle space(
      must(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "dataspace"),
      H5Sclose);
  Handle set(must(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT),
                  name.c_str()),
             H5Dclose);
  if (dims.empty() || dims[0] > 0)
    check(H5Dwrite(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name.c_str());
}

Handle make_group(hid_t parent, const std::string& name) {
  return Handle(
      must(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name.c_str()),
      H5Gclose);
}

void write_contents(hid_t file, const Checkpoint& c) {
  const TrainingProgress& p = c.progress;
  write_string_attr(file, "format", kFormat);
  write_scalar_attr(file, "format_version", H5T_NATIVE_INT64, kFormatVersion);
  write_scalar_attr(file, "seed", H5T_NATIVE_UINT64, c.seed);
  write_scalar_attr(file, "epoch", H5T_NATIVE_UINT64, p.epoch);
  write_scalar_attr(file, "step_in_epoch", H5T_NATIVE_UINT64, p.step_in_epoch);
  write_scalar_attr(file, "global_step", H5T_NATIVE_UINT64, p.global_step);
  write_scalar_attr(file, "param_checksum", H5T_NATIVE_UINT64, params_checksum(c.params));
  write_string_attr(file, "config", c.config_yaml);

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
  write_strings_attr(weights.get(), "weight_names", names);

  Handle optimizer = make_group(file, "optimizer");
  write_string_attr(optimizer.get(), "name", c.optimizer_name);
  write_scalar_attr(optimizer.get(), "iterations", H5T_NATIVE_UINT64, c.optimizer_iterations);
  std::vector<std::string> slot_names;
  for (const NamedArray& slot : c.optimizer_slots) {
    slot_names.push_back(slot.name);
    write_dataset(optimizer.get(), slot.name, H5T_NATIVE_FLOAT, slot.values.data(),
                  {slot.values.size()});
  }
  write_strings_attr(optimizer.get(), "slot_names", slot_names);

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

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw Failure("cannot reopen to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw Failure("fsync failed");
}

// ---- reading ----

// The memory type for reading string attribute `name`: a variable-length
// string in the attribute's own character set. Anything else is an error.
hid_t attribute_string_type(hid_t attr, const char* name) {
  Handle file_type(must(H5Aget_type(attr), name), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_STRING || H5Tis_variable_str(file_type.get()) <= 0) {
    throw Failure(std::string("attribute '") + name + "' is not a variable-length string");
  }
  return variable_string_type(H5Tget_cset(file_type.get()));
}

std::string read_string_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw Failure(std::string("missing attribute '") + name + "'");
  Handle attr(must(H5Aopen(obj, name, H5P_DEFAULT), name), H5Aclose);
  Handle type(attribute_string_type(attr.get(), name), H5Tclose);
  char* text = nullptr;
  check(H5Aread(attr.get(), type.get(), &text), name);
  std::string out = text ? text : "";
  H5free_memory(text);
  return out;
}

std::vector<std::string> read_strings_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw Failure(std::string("missing attribute '") + name + "'");
  Handle attr(must(H5Aopen(obj, name, H5P_DEFAULT), name), H5Aclose);
  Handle space(must(H5Aget_space(attr.get()), name), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > 100000) throw Failure(std::string("attribute '") + name + "' has a bad size");
  Handle type(attribute_string_type(attr.get(), name), H5Tclose);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  check(H5Aread(attr.get(), type.get(), ptrs.data()), name);
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

template <typename T>
T read_scalar_attr(hid_t obj, const char* name, hid_t type) {
  if (H5Aexists(obj, name) <= 0) throw Failure(std::string("missing attribute '") + name + "'");
  Handle attr(must(H5Aopen(obj, name, H5P_DEFAULT), name), H5Aclose);
  Handle space(must(H5Aget_space(attr.get()), name), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw Failure(std::string("attribute '") + name + "' is not a single value");
  }
  T value{};
  check(H5Aread(attr.get(), type, &value), name);
  return value;
}

// Reads a whole dataset as `type`; returns its dims through `dims`.
template <typename T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, hid_t type,
                            std::vector<hsize_t>* dims_out = nullptr) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0)
    throw Failure("missing dataset '" + name + "'");
  Handle set(must(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), name.c_str()), H5Dclose);
  Handle space(must(H5Dget_space(set.get()), name.c_str()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 2) throw Failure("dataset '" + name + "' has an unexpected rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::size_t n = 1;
  for (hsize_t d : dims) n *= d;
  if (n > (std::size_t{1} << 30)) throw Failure("dataset '" + name + "' is implausibly large");
  std::vector<T> values(n);
  if (n > 0)
    check(H5Dread(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name.c_str());
  if (dims_out) *dims_out = dims;
  return values;
}

Checkpoint read_contents(hid_t file) {
  if (H5Aexists(file, "format") <= 0 || read_string_attr(file, "format") != kFormat) {
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
  const auto checksum = read_scalar_attr<std::uint64_t>(file, "param_checksum", H5T_NATIVE_UINT64);
  c.config_yaml = read_string_attr(file, "config");

  if (H5Lexists(file, "model_weights", H5P_DEFAULT) <= 0)
    throw Failure("missing group 'model_weights'");
  Handle weights(must(H5Gopen2(file, "model_weights", H5P_DEFAULT), "model_weights"), H5Gclose);
  for (const std::string& name : read_strings_attr(weights.get(), "weight_names")) {
    std::vector<hsize_t> dims;
    std::vector<float> values = read_dataset<float>(weights.get(), name, H5T_NATIVE_FLOAT, &dims);
    const std::size_t rows = dims.size() == 2 ? dims[0] : 1;
    const std::size_t cols = dims.empty() ? 1 : dims.back();
    c.tensors.push_back({name, c.params.size(), rows, cols});
    c.params.insert(c.params.end(), values.begin(), values.end());
  }
  if (params_checksum(c.params) != checksum) {
    throw Failure("parameter checksum mismatch (the file is corrupt)");
  }

  if (H5Lexists(file, "optimizer", H5P_DEFAULT) <= 0) throw Failure("missing group 'optimizer'");
  Handle optimizer(must(H5Gopen2(file, "optimizer", H5P_DEFAULT), "optimizer"), H5Gclose);
  c.optimizer_name = read_string_attr(optimizer.get(), "name");
  c.optimizer_iterations =
      read_scalar_attr<std::uint64_t>(optimizer.get(), "iterations", H5T_NATIVE_UINT64);
  for (const std::string& name : read_strings_attr(optimizer.get(), "slot_names")) {
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
  return c;
}

}  // namespace

std::uint64_t params_checksum(const std::vector<float>& params) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(params.data());
  for (std::size_t i = 0; i < params.size() * sizeof(float); ++i) {
    h = (h ^ bytes[i]) * 0x100000001b3ULL;
  }
  return h;
}

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::string tmp = path + ".tmp";
  try {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    {
      Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
      if (!file.ok()) throw Failure("cannot create file (is the directory writable?)");
      write_contents(file.get(), checkpoint);
      check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush");
    }
    fsync_path(tmp, O_RDONLY);
    std::filesystem::rename(tmp, target, ec);
    if (ec) throw Failure("cannot rename " + tmp + " into place: " + ec.message());
    fsync_path(dir.string(), O_RDONLY | O_DIRECTORY);
  } catch (const Failure& e) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw std::runtime_error(path + ": cannot write checkpoint: " + e.what());
  }
}

Checkpoint read_checkpoint(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw DataError(path + ": no such checkpoint file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw DataError(path + ": not an HDF5 file");
  try {
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) throw Failure("cannot open as HDF5");
    return read_contents(file.get());
  } catch (const Failure& e) {
    throw DataError(path + ": " + e.what());
  }
}

}  // namespace mnist_dp
