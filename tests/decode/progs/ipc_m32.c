/* ipc.c through i386's ipc(2) multiplexer (called directly: static i386 glibc
   uses the direct calls for some), shown as the calls it stands for. */
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "marker.h"

#define IPC(call, first, second, third, ptr, fifth) \
    syscall(SYS_ipc, call, first, second, third, ptr, fifth)

struct msg {
    long mtype;
    char mtext[8];
};

int main(void) {
    BEGIN();
    int sem = IPC(2 /* SEMGET */, IPC_PRIVATE, 2, IPC_CREAT | 0600, 0, 0);
    struct sembuf ops[2] = {{0, 1, SEM_UNDO}, {1, 2, 0}};
    IPC(1 /* SEMOP */, sem, 2, 0, ops, 0);
    struct sembuf dec = {0, -1, IPC_NOWAIT};
    struct { int sec, nsec; } ts = {0, 1000};  /* old_timespec32 */
    IPC(4 /* SEMTIMEDOP */, sem, 1, 0, &dec, &ts);
    IPC(4 /* SEMTIMEDOP */, sem, 1, 0, &dec, &ts);
    IPC(1 /* SEMOP */, sem, 1, 0, NULL, 0);
    int val = 3;  /* union semun */
    IPC(3 /* SEMCTL */, sem, 0, SETVAL, &val, 0);
    IPC(3 /* SEMCTL */, sem, 1, GETVAL | 0x100 /* IPC_64 */, &val, 0);
    IPC(3 /* SEMCTL */, sem, 0, IPC_RMID, NULL, 0);  /* EINVAL: ipc(2) wants the union */
    IPC(3 /* SEMCTL */, sem, 0, IPC_RMID, &val, 0);
    IPC(2 /* SEMGET */, 0x1234, 1, 0, 0, 0);

    int q = IPC(13 /* MSGGET */, IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0640, 0, 0, 0);
    struct msg m = {7, "hello"};
    IPC(11 /* MSGSND */, q, 5, IPC_NOWAIT, &m, 0);
    struct msg r;
    memset(&r, 0, sizeof r);
    struct { void* msgp; long msgtyp; } kludge = {&r, 0};  /* version 0: struct ipc_kludge */
    IPC(12 /* MSGRCV */, q, sizeof r.mtext, IPC_NOWAIT, &kludge, 0);
    IPC(12 /* MSGRCV */, q, sizeof r.mtext, IPC_NOWAIT, &kludge, 0);
    IPC(12 | 1 << 16 /* version 1: direct */, q, sizeof r.mtext, IPC_NOWAIT | MSG_NOERROR, &r, 3);
    IPC(14 /* MSGCTL */, q, IPC_RMID, 0, NULL, 0);

    int shm = IPC(23 /* SHMGET */, IPC_PRIVATE, 4096, IPC_CREAT | 0600, 0, 0);
    unsigned long at = 0;
    IPC(21 /* SHMAT */, shm, SHM_RDONLY, &at, NULL, 0);
    IPC(22 /* SHMDT */, 0, 0, 0, (void*)at, 0);
    IPC(24 /* SHMCTL */, shm, IPC_RMID, 0, NULL, 0);
    IPC(21 /* SHMAT */, -1, 0, &at, NULL, 0);
    IPC(99, 1, 2, 3, 0, 5);          /* no such call */
    sem = IPC(2 | 3 << 16, IPC_PRIVATE, 1, 0600, 0, 0);  /* a version in the upper bits */
    IPC(3 /* SEMCTL */, sem, 0, IPC_RMID, &val, 0);
    return 0;
}
