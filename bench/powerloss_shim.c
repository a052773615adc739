/* powerloss_shim.c: an LD_PRELOAD shim that models a disk's volatile write
 * cache for one file, so that bench/powerloss.py can cut the power.
 *
 * Environment (the shim does nothing without both):
 *   POWERLOSS_TARGET  path of the modelled file (the LMDB data file)
 *   POWERLOSS_DIR     where the model lives:
 *                     durable.img   the file's contents as the disk holds them
 *                     journal       writes not yet durable, in the order made
 *                     writer.PID    one per process that wrote the target
 *                     UNSUPPORTED   written if the target is changed in a way
 *                                   the model cannot see (the harness fails)
 *
 * Every write to the target (pwrite, pwrite64, write, writev at the file
 * position) is appended to the journal as a pending record *before* the real
 * write, so a process killed mid-write leaves it pending. When fsync or
 * fdatasync of the target returns 0, every record journalled before it began
 * is copied into durable.img in order and marked durable. The
 * journal is shared by every process (under flock), as the page cache is: a
 * sync by one process makes the others' earlier writes durable too. A write
 * through a descriptor opened with O_DSYNC/O_SYNC (LMDB's meta page writes)
 * is durable when it returns, alone.
 *
 * A power cut is then: kill the processes, take durable.img and any subset of
 * the pending records (bench/powerloss.py). LMDB without MDB_WRITEMAP changes
 * its data file only through these calls; a writable shared mapping, a
 * truncation or an allocation of the target is reported as UNSUPPORTED.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define RECORD_MAGIC 0x314a4c50u /* "PLJ1" */
/* The journal: the end of its last whole record (uint64), then the records.
 * A record counts once the end covers it, so one cut short by a kill (a
 * record whose real write never started) is ignored and overwritten. */
#define JOURNAL_START ((off_t)sizeof(uint64_t))
/* PENDING: journalled, its real write may be under way; WRITTEN: the real
 * write returned (the data is in the page cache); DURABLE: in the image. */
enum record_state { PENDING = 1, WRITTEN = 2, DURABLE = 3 };

struct record_header {
    uint32_t magic;
    uint32_t state;  /* enum record_state */
    uint64_t offset; /* in the target file */
    uint64_t length; /* bytes of data following the header */
};

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static void *(*real_mmap64)(void *, size_t, int, int, int, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_fallocate)(int, int, off_t, off_t);

static const char *target_path;
static const char *model_dir;
static int target_known;
static dev_t target_dev;
static ino_t target_ino;
static int journal_fd = -1;
/* threads of one process share the journal's flock, so they take this too */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((constructor)) static void setup(void) {
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_write = dlsym(RTLD_NEXT, "write");
    real_writev = dlsym(RTLD_NEXT, "writev");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_mmap = dlsym(RTLD_NEXT, "mmap");
    real_mmap64 = dlsym(RTLD_NEXT, "mmap64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_fallocate = dlsym(RTLD_NEXT, "fallocate");
    target_path = getenv("POWERLOSS_TARGET");
    model_dir = getenv("POWERLOSS_DIR");
}

static void model_path(char *out, const char *name) {
    snprintf(out, PATH_MAX, "%s/%s", model_dir, name);
}

/* Stop the run rather than let the model silently diverge from the file. */
static void fail(const char *why) {
    char path[PATH_MAX];
    model_path(path, "UNSUPPORTED");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        real_write(fd, why, strlen(why));
        real_write(fd, "\n", 1);
        close(fd);
    }
    fprintf(stderr, "powerloss shim: %s\n", why);
    abort();
}

/* Is fd the target file? Compared by inode: the target may not exist yet
 * when the process starts, and it is reached through several descriptors. */
static int is_target(int fd) {
    struct stat st;
    if (!target_path || !model_dir || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (!target_known) {
        struct stat target;
        if (stat(target_path, &target) != 0)
            return 0;
        target_dev = target.st_dev;
        target_ino = target.st_ino;
        target_known = 1;
    }
    return st.st_dev == target_dev && st.st_ino == target_ino;
}

static void write_all(int fd, const void *data, size_t length, off_t offset) {
    const char *bytes = data;
    while (length > 0) {
        ssize_t done = real_pwrite(fd, bytes, length, offset);
        if (done <= 0) {
            if (done < 0 && errno == EINTR)
                continue;
            fail("cannot write the model files");
        }
        bytes += done;
        length -= (size_t)done;
        offset += done;
    }
}

static void read_all(int fd, void *data, size_t length, off_t offset) {
    char *bytes = data;
    while (length > 0) {
        ssize_t done = pread(fd, bytes, length, offset);
        if (done <= 0) {
            if (done < 0 && errno == EINTR)
                continue;
            fail("cannot read the journal");
        }
        bytes += done;
        length -= (size_t)done;
        offset += done;
    }
}

/* Take the journal for this thread: the process's mutex, then the flock
 * that orders the processes. */
static void take_journal(void) {
    pthread_mutex_lock(&lock);
    if (journal_fd < 0) {
        char path[PATH_MAX], name[64];
        model_path(path, "journal");
        journal_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (journal_fd < 0)
            fail("cannot open the journal");
        snprintf(name, sizeof name, "writer.%d", (int)getpid());
        model_path(path, name);
        close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    }
    flock(journal_fd, LOCK_EX);
}

static void release_journal(void) {
    flock(journal_fd, LOCK_UN);
    pthread_mutex_unlock(&lock);
}

static off_t journal_end(void) {
    uint64_t end = 0;
    if (pread(journal_fd, &end, sizeof end, 0) != sizeof end || end < (uint64_t)JOURNAL_START)
        return JOURNAL_START; /* new, or its first record was cut short */
    return (off_t)end;
}

static void set_journal_end(off_t end) {
    uint64_t value = (uint64_t)end;
    write_all(journal_fd, &value, sizeof value, 0);
}

static void set_state(off_t at, uint32_t state) {
    write_all(journal_fd, &state, sizeof state, at + (off_t)offsetof(struct record_header, state));
}

/* Append a pending record of the iovecs; returns its position in the journal. */
static off_t append_pending(const struct iovec *iov, int count, off_t offset) {
    struct record_header header = {RECORD_MAGIC, PENDING, (uint64_t)offset, 0};
    for (int i = 0; i < count; i++)
        header.length += iov[i].iov_len;
    off_t at = journal_end(), position = at + (off_t)sizeof header;
    write_all(journal_fd, &header, sizeof header, at);
    for (int i = 0; i < count; i++) {
        write_all(journal_fd, iov[i].iov_base, iov[i].iov_len, position);
        position += (off_t)iov[i].iov_len;
    }
    set_journal_end(position);
    return at;
}

static int open_image(void) {
    char path[PATH_MAX];
    model_path(path, "durable.img");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        fail("cannot open durable.img");
    return fd;
}

/* Copy the record at `at` from the journal into the image, then mark it. */
static void apply_record(int image_fd, off_t at, const struct record_header *header) {
    char *data = malloc(header->length ? header->length : 1);
    if (!data)
        fail("out of memory");
    read_all(journal_fd, data, header->length, at + (off_t)sizeof *header);
    write_all(image_fd, data, header->length, (off_t)header->offset);
    free(data);
    set_state(at, DURABLE);
}

/* A sync of the target returned: every write journalled before it began (the
 * first `synced_end` bytes) is on the disk. Later ones stay pending. */
static void make_durable(off_t synced_end) {
    if (synced_end == JOURNAL_START)
        return;
    int image_fd = open_image();
    struct record_header header;
    for (off_t at = JOURNAL_START; at < synced_end; at += (off_t)sizeof header + (off_t)header.length) {
        read_all(journal_fd, &header, sizeof header, at);
        if (header.magic != RECORD_MAGIC)
            fail("journal damaged");
        if (header.state == PENDING || header.state == WRITTEN)
            apply_record(image_fd, at, &header);
    }
    close(image_fd);
    if (journal_end() == synced_end) { /* nothing written since the sync began */
        set_journal_end(JOURNAL_START);
        if (real_ftruncate(journal_fd, JOURNAL_START) != 0)
            fail("cannot empty the journal");
    }
}

static int is_sync_descriptor(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && (flags & O_DSYNC);
}

enum write_call { PWRITE, PWRITE64, WRITE, WRITEV };

static ssize_t real_call(enum write_call call, int fd, const struct iovec *iov, int count,
                         off_t offset) {
    switch (call) {
    case PWRITE:
        return real_pwrite(fd, iov[0].iov_base, iov[0].iov_len, offset);
    case PWRITE64:
        return real_pwrite64(fd, iov[0].iov_base, iov[0].iov_len, offset);
    case WRITE:
        return real_write(fd, iov[0].iov_base, iov[0].iov_len);
    default:
        return real_writev(fd, iov, count);
    }
}

/* One write to the target: journalled as pending, then made (with the
 * journal held, so its order is the order of the writes); durable at once if
 * the descriptor syncs every write. */
static ssize_t modelled_write(enum write_call call, int fd, const struct iovec *iov, int count,
                              off_t offset) {
    take_journal();
    off_t at = append_pending(iov, count, offset);
    ssize_t done = real_call(call, fd, iov, count, offset);
    int saved_errno = errno;
    struct record_header header = {RECORD_MAGIC, PENDING, (uint64_t)offset, 0};
    for (int i = 0; i < count; i++)
        header.length += iov[i].iov_len;
    if (done >= 0)
        set_state(at, WRITTEN);
    if (done == (ssize_t)header.length && is_sync_descriptor(fd)) {
        int image_fd = open_image();
        apply_record(image_fd, at, &header);
        close(image_fd);
    }
    release_journal();
    errno = saved_errno;
    return done;
}

static ssize_t one_buffer(enum write_call call, int fd, const void *buffer, size_t length,
                          off_t offset) {
    struct iovec one = {(void *)buffer, length};
    return modelled_write(call, fd, &one, 1, offset);
}

ssize_t pwrite(int fd, const void *buffer, size_t length, off_t offset) {
    if (!is_target(fd))
        return real_pwrite(fd, buffer, length, offset);
    return one_buffer(PWRITE, fd, buffer, length, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t length, off_t offset) {
    if (!is_target(fd))
        return real_pwrite64(fd, buffer, length, offset);
    return one_buffer(PWRITE64, fd, buffer, length, offset);
}

/* write and writev write at the file position */
ssize_t write(int fd, const void *buffer, size_t length) {
    if (!is_target(fd))
        return real_write(fd, buffer, length);
    return one_buffer(WRITE, fd, buffer, length, lseek(fd, 0, SEEK_CUR));
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    if (!is_target(fd))
        return real_writev(fd, iov, count);
    return modelled_write(WRITEV, fd, iov, count, lseek(fd, 0, SEEK_CUR));
}

static int synced(int (*sync_call)(int), int fd) {
    if (!is_target(fd))
        return sync_call(fd);
    take_journal();
    off_t synced_end = journal_end();
    release_journal();
    int result = sync_call(fd);
    int saved_errno = errno;
    if (result == 0) {
        take_journal();
        make_durable(synced_end);
        release_journal();
    }
    errno = saved_errno;
    return result;
}

int fsync(int fd) { return synced(real_fsync, fd); }

int fdatasync(int fd) { return synced(real_fdatasync, fd); }

static void refuse_writable_map(int fd, int prot, int flags) {
    if ((prot & PROT_WRITE) && (flags & MAP_SHARED) && is_target(fd))
        fail("writable shared map of the target (MDB_WRITEMAP?): its writes are invisible");
}

void *mmap(void *address, size_t length, int prot, int flags, int fd, off_t offset) {
    refuse_writable_map(fd, prot, flags);
    return real_mmap(address, length, prot, flags, fd, offset);
}

void *mmap64(void *address, size_t length, int prot, int flags, int fd, off_t offset) {
    refuse_writable_map(fd, prot, flags);
    return real_mmap64(address, length, prot, flags, fd, offset);
}

int ftruncate(int fd, off_t length) {
    if (is_target(fd))
        fail("ftruncate of the target is not modelled");
    return real_ftruncate(fd, length);
}

int fallocate(int fd, int mode, off_t offset, off_t length) {
    if (is_target(fd))
        fail("fallocate of the target is not modelled");
    return real_fallocate(fd, mode, offset, length);
}
