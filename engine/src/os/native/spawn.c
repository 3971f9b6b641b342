/*
 * A vfork-style spawn for the engine's child processes (crun, ip, …).
 *
 * Why: Node's child_process forks the whole engine. fork(2) copies the page tables of a process
 * of a few hundred MB (1-3 ms here, growing with the heap) and blocks the event loop meanwhile;
 * clone(CLONE_VM|CLONE_VFORK) shares the memory instead, so it costs the same at any size. (Not
 * glibc's posix_spawn: it leaves glibc's internal signals 32 and 33 ignored in the child.)
 *
 * spawn() returns the pid, the parent's ends of the pipes asked for, and a pidfd. watchExit()
 * polls the pidfd on the event loop (libuv) and reaps the child with waitid(P_PIDFD) when it
 * exits: no thread, no SIGCHLD handler (libuv's reaps only the pids it spawned itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "skiff-os.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum stdio_kind { STDIO_IGNORE = 0, STDIO_PIPE = 1, STDIO_INHERIT = 2 };

static void free_strings(char **list) {
  if (list == NULL) return;
  for (char **p = list; *p != NULL; p++) free(*p);
  free(list);
}

/* A NULL-terminated copy of a JS array of strings; NULL (with *ok cleared) on a bad element. */
static char **string_list(napi_env env, napi_value array, int *ok) {
  bool is_array = false;
  uint32_t length = 0;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &length) != napi_ok) {
    *ok = 0;
    return NULL;
  }
  char **list = calloc(length + 1, sizeof(char *));
  if (list == NULL) {
    *ok = 0;
    return NULL;
  }
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    napi_get_element(env, array, i, &item);
    list[i] = skiff_string_arg(env, item, ok);
    if (!*ok || list[i] == NULL) {
      *ok = 0;
      free_strings(list);
      return NULL;
    }
  }
  return list;
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  const char *name = strerrorname_np(err);
  char message[512];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, msg, error, errnum;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

static void set_int(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/* What the vfork child needs: all prepared by the parent, so the child only makes system calls. */
typedef struct {
  const char *path;
  char *const *argv;
  char *const *envp;
  int child_end[3];
  int kinds[3];
  bool setsid;
  const char *cwd;
  int err; /* written by the child when it cannot exec; shared memory (CLONE_VM) */
} child_t;

/* Raw rt_sigaction: SIG_DFL needs no restorer, and it works for every signal glibc reserves. */
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

/*
 * Runs in the child, on its own stack but in the parent's memory (CLONE_VM|CLONE_VFORK), with every
 * signal blocked: only system calls, no allocation. Like libuv after its fork: every signal back
 * to its default (Node ignores SIGPIPE; glibc's posix_spawn would also leave its own two internal
 * signals ignored, which a container would inherit), stdio in place, no other fd, nothing blocked.
 */
static int child_main(void *arg) {
  child_t *c = arg;
  struct kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
  }
  if (c->setsid && setsid() < 0) goto fail;
  for (int i = 0; i < 3; i++) {
    int fd = -1;
    if (c->kinds[i] == STDIO_PIPE) {
      fd = c->child_end[i];
    } else if (c->kinds[i] == STDIO_IGNORE) {
      fd = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
      if (fd < 0) goto fail;
    } else {
      fd = i; /* inherit: the engine's own, even if it is marked close-on-exec there */
    }
    if (fd == i) {
      if (fcntl(fd, F_SETFD, 0) < 0 && c->kinds[i] != STDIO_INHERIT) goto fail;
    } else if (dup2(fd, i) < 0) {
      goto fail;
    }
  }
  if (c->cwd != NULL && chdir(c->cwd) < 0) goto fail;
  /* Everything of the engine's is O_CLOEXEC already; this also catches what is not. */
  syscall(SYS_close_range, 3, ~0U, 0);
  uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
  execve(c->path, c->argv, c->envp);
fail:
  c->err = errno ? errno : EINVAL;
  _exit(127);
}

/* execvp's lookup, done in the parent: the first executable regular file named `file` on PATH. */
static char *find_program(const char *file) {
  if (strchr(file, '/') != NULL) return strdup(file);
  const char *path = getenv("PATH");
  if (path == NULL || *path == '\0') path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  size_t flen = strlen(file);
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    char *candidate = malloc(dlen + flen + 2);
    if (candidate == NULL) return NULL;
    if (dlen == 0) {
      memcpy(candidate, file, flen + 1);
    } else {
      memcpy(candidate, p, dlen);
      candidate[dlen] = '/';
      memcpy(candidate + dlen + 1, file, flen + 1);
    }
    struct stat st;
    if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0) return candidate;
    free(candidate);
    if (*end == '\0') break;
    p = end;
  }
  errno = ENOENT;
  return NULL;
}

#define CHILD_STACK_SIZE (64 * 1024)

/* clone(CLONE_VM|CLONE_VFORK): returns the pid, or a negative errno. */
static pid_t vfork_spawn(child_t *c) {
  char *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                     -1, 0);
  if (stack == MAP_FAILED) return -errno;
  /* No handler of the engine may run in the child before it reset them: block everything. */
  uint64_t all = ~(uint64_t)0, old = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
  c->err = 0;
  pid_t pid = clone(child_main, stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
  int clone_err = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
  munmap(stack, CHILD_STACK_SIZE);
  if (pid < 0) return -clone_err;
  if (c->err != 0) {
    /* It could not exec and has exited: reap it, report why. */
    waitpid(pid, NULL, 0);
    return -c->err;
  }
  return pid;
}

/*
 * spawn(file, argv, envp, stdio, setsid, cwd) → { pid, pidfd, stdin, stdout, stderr }
 * file: looked up in the engine's PATH when it has no slash; stdio: three of 0 (ignore, i.e.
 * /dev/null), 1 (pipe) or 2 (inherit); the result holds the parent's pipe ends (-1 when none).
 * Throws an Error with the errno's `code` (ENOENT for a missing binary) when nothing started.
 */
napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, stdio, setsid, cwd) takes 6 arguments");
    return NULL;
  }
  int ok = 1;
  char *file = skiff_string_arg(env, argv[0], &ok);
  char **args = ok ? string_list(env, argv[1], &ok) : NULL;
  char **envp = ok ? string_list(env, argv[2], &ok) : NULL;
  char *cwd = ok ? skiff_string_arg(env, argv[5], &ok) : NULL;
  child_t child;
  memset(&child, 0, sizeof child);
  bool setsid_flag = false;
  bool is_array = false;
  if (ok && (napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array)) ok = 0;
  for (uint32_t i = 0; ok && i < 3; i++) {
    napi_value item;
    napi_get_element(env, argv[3], i, &item);
    if (napi_get_value_int32(env, item, &child.kinds[i]) != napi_ok || child.kinds[i] < 0 ||
        child.kinds[i] > 2)
      ok = 0;
  }
  if (ok && napi_get_value_bool(env, argv[4], &setsid_flag) != napi_ok) ok = 0;
  if (!ok || file == NULL || args == NULL || args[0] == NULL || envp == NULL) {
    free(file);
    free_strings(args);
    free_strings(envp);
    free(cwd);
    napi_throw_type_error(env, NULL,
                          "spawn: a file, a non-empty argv and an env of strings, three stdio kinds, "
                          "a boolean and a cwd (or null) expected");
    return NULL;
  }

  int parent_end[3] = {-1, -1, -1};
  int err = 0;
  for (int i = 0; i < 3; i++) child.child_end[i] = -1;
  char *path = find_program(file);
  if (path == NULL) err = errno;
  for (int i = 0; i < 3 && err == 0; i++) {
    if (child.kinds[i] != STDIO_PIPE) continue;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
      err = errno;
      break;
    }
    /* stdin: the child reads p[0]; stdout/stderr: the child writes p[1]. */
    child.child_end[i] = i == 0 ? p[0] : p[1];
    parent_end[i] = i == 0 ? p[1] : p[0];
  }
  pid_t pid = 0;
  if (err == 0) {
    child.path = path;
    child.argv = args;
    child.envp = envp;
    child.setsid = setsid_flag;
    child.cwd = cwd;
    pid = vfork_spawn(&child);
    if (pid < 0) err = -pid;
  }
  for (int i = 0; i < 3; i++)
    if (child.child_end[i] >= 0) close(child.child_end[i]);
  int pidfd = -1;
  if (err == 0) {
    pidfd = pidfd_open(pid, 0);
    if (pidfd < 0) {
      /* Cannot watch it (kernel < 5.3): do not leave it running unseen. */
      err = errno;
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
    }
  }
  free(path);
  free(file);
  free_strings(args);
  free_strings(envp);
  free(cwd);
  if (err != 0) {
    for (int i = 0; i < 3; i++)
      if (parent_end[i] >= 0) close(parent_end[i]);
    return throw_errno(env, err, "spawn");
  }
  napi_value result;
  napi_create_object(env, &result);
  set_int(env, result, "pid", pid);
  set_int(env, result, "pidfd", pidfd);
  set_int(env, result, "stdin", parent_end[0]);
  set_int(env, result, "stdout", parent_end[1]);
  set_int(env, result, "stderr", parent_end[2]);
  return result;
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int pidfd;
  int code;   /* exit status, or -1 when killed by a signal */
  int signal; /* the signal, or 0 */
} watch_t;

static void watch_closed(uv_handle_t *handle) {
  watch_t *w = handle->data;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, recv, args[2];
  napi_get_reference_value(env, w->callback, &callback);
  napi_get_global(env, &recv);
  napi_create_int32(env, w->code, &args[0]);
  napi_create_int32(env, w->signal, &args[1]);
  napi_make_callback(env, w->context, recv, callback, 2, args, NULL);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  napi_close_handle_scope(env, scope);
  free(w);
}

static void watch_ready(uv_poll_t *poll, int status, int events) {
  (void)events;
  watch_t *w = poll->data;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int rc;
  do {
    rc = waitid(P_PIDFD, (id_t)w->pidfd, &info, WEXITED | WNOHANG);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0 && info.si_pid == 0 && status == 0) return; /* spurious wake-up: not exited yet */
  if (rc != 0) {
    w->code = -1;
    w->signal = 0;
  } else if (info.si_code == CLD_EXITED) {
    w->code = info.si_status;
    w->signal = 0;
  } else {
    w->code = -1;
    w->signal = info.si_status;
  }
  uv_poll_stop(poll);
  close(w->pidfd);
  uv_close((uv_handle_t *)poll, watch_closed);
}

static void watch_abandon(watch_t *w) {
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  free(w);
}

static void watch_abandoned(uv_handle_t *handle) {
  watch_abandon(handle->data);
}

/* watchExit(pidfd, callback(code, signal)): reaps the child when it exits; takes over the pidfd. */
napi_value js_watch_exit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t pidfd = -1;
  napi_valuetype type = napi_undefined;
  if (argc == 2) napi_typeof(env, argv[1], &type);
  if (argc != 2 || napi_get_value_int32(env, argv[0], &pidfd) != napi_ok || pidfd < 0 ||
      type != napi_function) {
    napi_throw_type_error(env, NULL, "watchExit(pidfd, callback): a pidfd and a function expected");
    return NULL;
  }
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) {
    napi_throw_error(env, NULL, "watchExit: no event loop");
    return NULL;
  }
  watch_t *w = calloc(1, sizeof(watch_t));
  if (w == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  w->env = env;
  w->pidfd = pidfd;
  napi_value name;
  napi_create_string_utf8(env, "skiff:childExit", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  napi_create_reference(env, argv[1], 1, &w->callback);
  int rc = uv_poll_init(loop, &w->poll, pidfd);
  if (rc != 0) {
    watch_abandon(w);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  w->poll.data = w;
  rc = uv_poll_start(&w->poll, UV_READABLE, watch_ready);
  if (rc != 0) {
    uv_close((uv_handle_t *)&w->poll, watch_abandoned);
    napi_throw_error(env, NULL, uv_strerror(rc));
  }
  return NULL;
}
