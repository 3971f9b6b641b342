/*
 * Skiff's native addon: the OS calls the engine makes often enough that spawning a process for
 * each (mount, umount, crun, ip) costs more than the work itself. Built by
 * `scripts/lib/prepare-workspace.sh`; without it the engine spawns the binaries instead.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "skiff-os.h"

/* A string argument, or NULL for null/undefined; *ok is cleared when the value is neither. */
char *skiff_string_arg(napi_env env, napi_value value, int *ok) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_null || type == napi_undefined) return NULL;
  size_t length;
  if (type != napi_string || napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    *ok = 0;
    return NULL;
  }
  char *out = malloc(length + 1);
  if (out == NULL) {
    *ok = 0;
    return NULL;
  }
  napi_get_value_string_utf8(env, value, out, length + 1, &length);
  if (strlen(out) != length) { /* an embedded NUL would silently shorten a path */
    free(out);
    *ok = 0;
    return NULL;
  }
  return out;
}

static void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "mount", NAPI_AUTO_LENGTH, js_mount, NULL, &fn);
  napi_set_named_property(env, exports, "mount", fn);
  napi_create_function(env, "umount2", NAPI_AUTO_LENGTH, js_umount2, NULL, &fn);
  napi_set_named_property(env, exports, "umount2", fn);
  napi_create_function(env, "bind", NAPI_AUTO_LENGTH, js_bind, NULL, &fn);
  napi_set_named_property(env, exports, "bind", fn);
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, js_spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  napi_create_function(env, "watchExit", NAPI_AUTO_LENGTH, js_watch_exit, NULL, &fn);
  napi_set_named_property(env, exports, "watchExit", fn);
  napi_create_function(env, "mknod", NAPI_AUTO_LENGTH, js_mknod, NULL, &fn);
  napi_set_named_property(env, exports, "mknod", fn);
  napi_create_function(env, "lxattrs", NAPI_AUTO_LENGTH, js_lxattrs, NULL, &fn);
  napi_set_named_property(env, exports, "lxattrs", fn);
  napi_create_function(env, "lsetxattr", NAPI_AUTO_LENGTH, js_lsetxattr, NULL, &fn);
  napi_set_named_property(env, exports, "lsetxattr", fn);
  napi_value constants;
  napi_create_object(env, &constants);
  set_number(env, constants, "MS_RDONLY", MS_RDONLY);
  set_number(env, constants, "MS_NOSUID", MS_NOSUID);
  set_number(env, constants, "MS_NODEV", MS_NODEV);
  set_number(env, constants, "MS_NOEXEC", MS_NOEXEC);
  set_number(env, constants, "MS_REMOUNT", MS_REMOUNT);
  set_number(env, constants, "MS_BIND", MS_BIND);
  set_number(env, constants, "MS_REC", MS_REC);
  set_number(env, constants, "MNT_DETACH", MNT_DETACH);
  napi_set_named_property(env, exports, "constants", constants);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
