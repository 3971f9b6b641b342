/*
 * mount(2), umount2(2) and bind mounts without spawning mount(8)/umount(8).
 *
 * Why: every spawn from the engine forks a large Node process (2-5 ms of blocked event loop on
 * these machines) while the system call itself takes ~0.1 ms. Each call runs on libuv's thread
 * pool and settles a promise; failures reject with an Error carrying `errno` and `code` (EBUSY…).
 *
 * Overlay mounts take relative lower directories resolved against a `cwd` (it keeps the option
 * string under one page). The working directory is per process, so such a mount runs on a short-
 * lived thread that first unshares its filesystem attributes (unshare(CLONE_FS)) and then changes
 * its own directory, leaving every other thread's cwd untouched.
 */
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "skiff-os.h"

enum op { OP_MOUNT, OP_UMOUNT, OP_BIND };

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  enum op op;
  char *source;
  char *target;
  char *fstype;
  char *data;
  char *cwd;
  unsigned long flags;
  int err;
} call_t;

static void call_free(call_t *c) {
  free(c->source);
  free(c->target);
  free(c->fstype);
  free(c->data);
  free(c->cwd);
  free(c);
}

/*
 * A bind mount, made read-only when asked: a bind cannot be read-only in one step, so it is
 * remounted with MS_RDONLY added to the flags it already has (a remount replaces them all, and
 * dropping nosuid/nodev/noexec of the source would loosen it). A failed remount unmounts again.
 */
static int do_bind(call_t *c) {
  unsigned long recursive = c->flags & MS_REC;
  if (mount(c->source, c->target, NULL, MS_BIND | recursive, NULL) != 0) return errno;
  if (!(c->flags & MS_RDONLY)) return 0;
  struct statvfs st;
  int err = 0;
  if (statvfs(c->target, &st) != 0) {
    err = errno;
  } else {
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | recursive;
    if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    if (mount(NULL, c->target, NULL, flags, NULL) != 0) err = errno;
  }
  if (err != 0) umount2(c->target, MNT_DETACH);
  return err;
}

static int do_call(call_t *c) {
  switch (c->op) {
    case OP_MOUNT:
      return mount(c->source, c->target, c->fstype, c->flags, c->data) == 0 ? 0 : errno;
    case OP_UMOUNT:
      return umount2(c->target, (int)c->flags) == 0 ? 0 : errno;
    case OP_BIND:
      return do_bind(c);
  }
  return EINVAL;
}

static void *in_own_cwd(void *arg) {
  call_t *c = arg;
  if (unshare(CLONE_FS) != 0 || chdir(c->cwd) != 0) {
    c->err = errno;
    return NULL;
  }
  c->err = do_call(c);
  return NULL;
}

static void execute(napi_env env, void *arg) {
  (void)env;
  call_t *c = arg;
  if (c->cwd == NULL) {
    c->err = do_call(c);
    return;
  }
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, in_own_cwd, c);
  if (rc != 0) {
    c->err = rc;
    return;
  }
  pthread_join(thread, NULL);
}

static void complete(napi_env env, napi_status status, void *arg) {
  call_t *c = arg;
  if (status != napi_ok && c->err == 0) c->err = ECANCELED;
  if (c->err == 0) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, c->deferred, undefined);
  } else {
    const char *name = strerrorname_np(c->err);
    napi_value code, message, error, errnum;
    napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, strerror(c->err), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &error);
    napi_create_int32(env, c->err, &errnum);
    napi_set_named_property(env, error, "errno", errnum);
    napi_reject_deferred(env, c->deferred, error);
  }
  napi_delete_async_work(env, c->work);
  call_free(c);
}

static napi_value queue(napi_env env, call_t *c, const char *name) {
  napi_value promise, resource_name;
  napi_create_promise(env, &c->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, NULL, resource_name, execute, complete, c, &c->work);
  napi_queue_async_work(env, c->work);
  return promise;
}

/* mount(source, target, fstype, flags, data, cwd): Promise<void>; null for an absent string. */
napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 6) {
    napi_throw_type_error(env, NULL, "mount(source, target, fstype, flags, data, cwd) takes 6 arguments");
    return NULL;
  }
  call_t *c = calloc(1, sizeof(call_t));
  if (c == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int ok = 1;
  double flags = 0;
  c->op = OP_MOUNT;
  c->source = skiff_string_arg(env, argv[0], &ok);
  c->target = skiff_string_arg(env, argv[1], &ok);
  c->fstype = skiff_string_arg(env, argv[2], &ok);
  if (napi_get_value_double(env, argv[3], &flags) != napi_ok || flags < 0) ok = 0;
  c->flags = (unsigned long)flags;
  c->data = skiff_string_arg(env, argv[4], &ok);
  c->cwd = skiff_string_arg(env, argv[5], &ok);
  if (!ok || c->target == NULL) {
    call_free(c);
    napi_throw_type_error(env, NULL, "mount: strings without NUL bytes (or null) and a flag number expected");
    return NULL;
  }
  return queue(env, c, "skiff:mount");
}

/* umount2(target, flags): Promise<void>. */
napi_value js_umount2(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call_t *c = calloc(1, sizeof(call_t));
  if (c == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int ok = argc == 2;
  int32_t flags = 0;
  c->op = OP_UMOUNT;
  if (ok) c->target = skiff_string_arg(env, argv[0], &ok);
  if (ok && napi_get_value_int32(env, argv[1], &flags) != napi_ok) ok = 0;
  c->flags = (unsigned long)flags;
  if (!ok || c->target == NULL) {
    call_free(c);
    napi_throw_type_error(env, NULL, "umount2(target, flags): a path and a flag number expected");
    return NULL;
  }
  return queue(env, c, "skiff:umount2");
}

/* bind(source, target, recursive, readOnly): Promise<void>. */
napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call_t *c = calloc(1, sizeof(call_t));
  if (c == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  int ok = argc == 4;
  bool recursive = false, read_only = false;
  c->op = OP_BIND;
  if (ok) c->source = skiff_string_arg(env, argv[0], &ok);
  if (ok) c->target = skiff_string_arg(env, argv[1], &ok);
  if (ok && napi_get_value_bool(env, argv[2], &recursive) != napi_ok) ok = 0;
  if (ok && napi_get_value_bool(env, argv[3], &read_only) != napi_ok) ok = 0;
  c->flags = (recursive ? MS_REC : 0) | (read_only ? MS_RDONLY : 0);
  if (!ok || c->source == NULL || c->target == NULL) {
    call_free(c);
    napi_throw_type_error(env, NULL, "bind(source, target, recursive, readOnly): two paths and two booleans expected");
    return NULL;
  }
  return queue(env, c, "skiff:bind");
}

