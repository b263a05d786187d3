// HDF5 helper implementations: typed attributes, datasets, atomic file writes.
#include "hdf5_helpers.hpp"

#include <algorithm>
#include <cstring>

#include "mnist_dp/core/input_file.hpp"
#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/file_seal.hpp"

namespace mnist_dp::hdf5 {

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

namespace {

// A fixed-length, null-padded ASCII string type of `size` bytes; the caller closes it.
hid_t fixed_string_type(std::size_t size) {
  const hid_t type = must(H5Tcopy(H5T_C_S1), "string type");
  if (H5Tset_size(type, std::max<std::size_t>(size, 1)) < 0 ||
      H5Tset_strpad(type, H5T_STR_NULLPAD) < 0) {
    H5Tclose(type);
    throw Failure("string type");
  }
  return type;
}

// The memory type for reading a variable-length string attribute in its own
// character set; Failure for anything that is not a string.
hid_t attribute_string_type(hid_t attr, const char* name) {
  Handle file_type(must(H5Aget_type(attr), name), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_STRING) {
    throw Failure(std::string("attribute '") + name + "' is not a string");
  }
  return variable_string_type(H5Tget_cset(file_type.get()));
}

// Reads all strings of a string attribute, variable- or fixed-length.
std::vector<std::string> read_all_strings(hid_t obj, const char* name, bool allow_variable_length) {
  if (H5Aexists(obj, name) <= 0) throw Failure(std::string("missing attribute '") + name + "'");
  Handle attr(must(H5Aopen(obj, name, H5P_DEFAULT), name), H5Aclose);
  Handle space(must(H5Aget_space(attr.get()), name), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > 100000) throw Failure(std::string("attribute '") + name + "' has a bad size");
  Handle file_type(must(H5Aget_type(attr.get()), name), H5Tclose);
  if (H5Tget_class(file_type.get()) == H5T_FLOAT && n == 0) return {};  // Keras' empty list
  Handle type(attribute_string_type(attr.get(), name), H5Tclose);
  std::vector<std::string> out;
  if (H5Tis_variable_str(file_type.get()) > 0) {
    if (!allow_variable_length) {
      throw Failure(std::string("attribute '") + name +
                    "' is a variable-length string (this format stores fixed-length ones)");
    }
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    if (n > 0) check(H5Aread(attr.get(), type.get(), ptrs.data()), name);
    for (char* p : ptrs) {
      out.emplace_back(p ? p : "");
      H5free_memory(p);
    }
    return out;
  }
  const std::size_t size = H5Tget_size(file_type.get());
  std::vector<char> bytes(size * static_cast<std::size_t>(n) + 1, '\0');
  if (n > 0) check(H5Aread(attr.get(), file_type.get(), bytes.data()), name);
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = bytes.data() + static_cast<std::size_t>(i) * size;
    out.emplace_back(p, strnlen(p, size));
  }
  return out;
}

}  // namespace

void write_bytes_attr(hid_t obj, const char* name, const std::string& value) {
  Handle type(fixed_string_type(value.size()), H5Tclose);
  Handle space(must(H5Screate(H5S_SCALAR), "dataspace"), H5Sclose);
  Handle attr(must(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
              H5Aclose);
  std::vector<char> padded(std::max<std::size_t>(value.size(), 1), '\0');
  std::copy(value.begin(), value.end(), padded.begin());
  check(H5Awrite(attr.get(), type.get(), padded.data()), name);
}

void write_bytes_list_attr(hid_t obj, const char* name, const std::vector<std::string>& values) {
  std::size_t size = 1;
  for (const std::string& v : values) size = std::max(size, v.size());
  Handle type(fixed_string_type(size), H5Tclose);
  const hsize_t n = values.size();
  Handle space(must(H5Screate_simple(1, &n, nullptr), "dataspace"), H5Sclose);
  Handle attr(must(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name),
              H5Aclose);
  std::vector<char> bytes(size * values.size() + 1, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::copy(values[i].begin(), values[i].end(),
              bytes.begin() + static_cast<std::ptrdiff_t>(i * size));
  }
  if (n > 0) check(H5Awrite(attr.get(), type.get(), bytes.data()), name);
}

void write_hdf5_file(const std::string& path, const std::string& what,
                     const std::function<void(hid_t)>& fill, Seal seal) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::vector<std::byte> image;
  try {
    Handle creation(must(H5Pcreate(H5P_FILE_CREATE), "file creation"), H5Pclose);
    if (seal == Seal::kWholeFile) check(H5Pset_userblock(creation.get(), kSealBytes), "userblock");
    Handle access(must(H5Pcreate(H5P_FILE_ACCESS), "file access"), H5Pclose);
    check(H5Pset_fapl_core(access.get(), 1 << 20, false), "memory driver");  // no backing store
    Handle file(must(H5Fcreate("in-memory image", H5F_ACC_TRUNC, creation.get(), access.get()),
                     "in-memory file"),
                H5Fclose);
    fill(file.get());
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush");
    // The image starts at the superblock; the user block in front of it is
    // ours to fill (zeros, then the seal).
    const std::size_t user_block = seal == Seal::kWholeFile ? kSealBytes : 0;
    const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
    if (size <= 0) throw Failure("file image");
    image.resize(user_block + static_cast<std::size_t>(size));
    if (H5Fget_file_image(file.get(), image.data() + user_block, static_cast<std::size_t>(size)) !=
        size)
      throw Failure("file image");
  } catch (const Failure& e) {
    throw std::runtime_error(path + ": cannot write " + what + ": HDF5 failed at " + e.what());
  }
  if (seal == Seal::kWholeFile) seal_image(image);
  write_file_atomically(path, image, what);
}

Handle open_for_reading(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (const std::string problem = input_file_problem(path); !problem.empty())
    throw Failure(problem);
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Failure("not an HDF5 file");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw Failure("cannot open as HDF5");
  return file;
}

Handle open_image_for_reading(std::span<const std::byte> image) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle access(must(H5Pcreate(H5P_FILE_ACCESS), "file access"), H5Pclose);
  check(H5Pset_fapl_core(access.get(), 1 << 16, false), "memory driver");
  // HDF5 copies the image; it never writes to it (read-only, no backing store).
  check(H5Pset_file_image(access.get(), const_cast<std::byte*>(image.data()), image.size()),
        "file image");
  Handle file(H5Fopen("in-memory image", H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.ok()) throw Failure("cannot open as HDF5");
  return file;
}

std::string read_string_attr(hid_t obj, const char* name, bool allow_variable_length) {
  std::vector<std::string> all = read_all_strings(obj, name, allow_variable_length);
  if (all.size() != 1) throw Failure(std::string("attribute '") + name + "' is not one string");
  return all[0];
}

std::vector<std::string> read_strings_attr(hid_t obj, const char* name,
                                           bool allow_variable_length) {
  return read_all_strings(obj, name, allow_variable_length);
}

}  // namespace mnist_dp::hdf5
