/*
 * The file operations Node has no call for: mknod(2) (overlay whiteouts, FIFOs) and the l*xattr
 * family (overlay opaque markers, capabilities and other xattrs of layer files). Synchronous: they
 * are single system calls of a few microseconds, made per file by layer code that runs in a
 * worker thread (or for a handful of files on the main thread). Each one spawned getfattr,
 * setfattr or mknod before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "skiff-os.h"

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  const char *name = strerrorname_np(err);
  size_t len = strlen(strerror(err)) + strlen(syscall) + (path ? strlen(path) : 0) + 8;
  char *message = malloc(len);
  if (message != NULL) snprintf(message, len, "%s %s: %s", syscall, path ? path : "", strerror(err));
  napi_value code, msg, error, errnum, sc;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message ? message : syscall, NAPI_AUTO_LENGTH, &msg);
  free(message);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, error, "syscall", sc);
  napi_throw(env, error);
  return NULL;
}

/* mknod(path, mode, major, minor): mode carries the file type (S_IFCHR, S_IFIFO…) and the bits. */
napi_value js_mknod(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int ok = argc == 4;
  uint32_t mode = 0, major_n = 0, minor_n = 0;
  char *path = ok ? skiff_string_arg(env, argv[0], &ok) : NULL;
  if (ok && (napi_get_value_uint32(env, argv[1], &mode) != napi_ok ||
             napi_get_value_uint32(env, argv[2], &major_n) != napi_ok ||
             napi_get_value_uint32(env, argv[3], &minor_n) != napi_ok))
    ok = 0;
  if (!ok || path == NULL) {
    free(path);
    napi_throw_type_error(env, NULL, "mknod(path, mode, major, minor): a path and three numbers expected");
    return NULL;
  }
  napi_value result = NULL;
  if (mknod(path, (mode_t)mode, makedev(major_n, minor_n)) != 0) result = throw_errno(env, errno, "mknod", path);
  free(path);
  return result;
}

/*
 * lxattrs(path) → [[name, Buffer], …]: every extended attribute of `path` itself (a symlink's
 * own), names in the kernel's order. An empty array when there are none or the filesystem has
 * no xattr support.
 */
napi_value js_lxattrs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int ok = argc == 1;
  char *path = ok ? skiff_string_arg(env, argv[0], &ok) : NULL;
  if (!ok || path == NULL) {
    free(path);
    napi_throw_type_error(env, NULL, "lxattrs(path): a path expected");
    return NULL;
  }
  napi_value result;
  napi_create_array(env, &result);
  char small[256];
  char *names = small;
  ssize_t len = llistxattr(path, names, sizeof small);
  if (len < 0 && errno == ERANGE) {
    ssize_t want = llistxattr(path, NULL, 0);
    names = want > 0 ? malloc((size_t)want) : NULL;
    len = names ? llistxattr(path, names, (size_t)want) : -1;
  }
  if (len < 0) {
    int err = errno;
    if (names != small) free(names);
    if (err == ENOTSUP) {
      free(path);
      return result;
    }
    napi_value thrown = throw_errno(env, err, "llistxattr", path);
    free(path);
    return thrown;
  }
  uint32_t index = 0;
  for (char *name = names; name < names + len; name += strlen(name) + 1) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size < 0) {
      if (errno == ENODATA) continue; /* removed meanwhile */
      int err = errno;
      if (names != small) free(names);
      napi_value thrown = throw_errno(env, err, "lgetxattr", path);
      free(path);
      return thrown;
    }
    void *data = NULL;
    napi_value buffer, pair, key;
    napi_create_buffer(env, (size_t)size, &data, &buffer);
    if (size > 0) {
      ssize_t got = lgetxattr(path, name, data, (size_t)size);
      if (got < 0) continue; /* changed or removed meanwhile */
      if (got < size) napi_create_buffer_copy(env, (size_t)got, data, NULL, &buffer);
    }
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &key);
    napi_create_array_with_length(env, 2, &pair);
    napi_set_element(env, pair, 0, key);
    napi_set_element(env, pair, 1, buffer);
    napi_set_element(env, result, index++, pair);
  }
  if (names != small) free(names);
  free(path);
  return result;
}

/* lsetxattr(path, name, value): sets one attribute on `path` itself, never following a symlink. */
napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int ok = argc == 3;
  char *path = ok ? skiff_string_arg(env, argv[0], &ok) : NULL;
  char *name = ok ? skiff_string_arg(env, argv[1], &ok) : NULL;
  void *data = NULL;
  size_t size = 0;
  bool is_buffer = false;
  if (ok && (napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer ||
             napi_get_buffer_info(env, argv[2], &data, &size) != napi_ok))
    ok = 0;
  if (!ok || path == NULL || name == NULL) {
    free(path);
    free(name);
    napi_throw_type_error(env, NULL, "lsetxattr(path, name, value): two strings and a Buffer expected");
    return NULL;
  }
  napi_value result = NULL;
  if (lsetxattr(path, name, data, size, 0) != 0) result = throw_errno(env, errno, "lsetxattr", path);
  free(path);
  free(name);
  return result;
}
