/* System V IPC: semaphores, message queues, shared memory (built -m32 as
   ipc_m32.c, the same calls through i386's ipc(2) multiplexer). */
#define _GNU_SOURCE /* semtimedop */
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>
#include "marker.h"

struct msg {
    long mtype;
    char mtext[8];
};

int main(void) {
    BEGIN();
    int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    struct sembuf ops[2] = {{0, 1, SEM_UNDO}, {1, 2, 0}};
    semop(sem, ops, 2);
    struct sembuf dec = {0, -1, IPC_NOWAIT};
    struct timespec ts = {0, 1000};
    semtimedop(sem, &dec, 1, &ts);
    semtimedop(sem, &dec, 1, &ts);
    semop(sem, NULL, 1);
    semctl(sem, 0, SETVAL, 3);
    semctl(sem, 1, GETVAL);
    semctl(sem, 0, IPC_RMID);
    semget(0x1234, 1, 0);

    int q = msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0640);
    struct msg m = {7, "hello"};
    msgsnd(q, &m, 5, IPC_NOWAIT);
    struct msg r;
    memset(&r, 0, sizeof r);
    msgrcv(q, &r, sizeof r.mtext, 0, IPC_NOWAIT);
    msgrcv(q, &r, sizeof r.mtext, 3, IPC_NOWAIT | MSG_NOERROR);
    msgctl(q, IPC_RMID, NULL);

    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void* p = shmat(shm, NULL, SHM_RDONLY);
    shmdt(p);
    shmctl(shm, IPC_RMID, NULL);
    shmat(-1, NULL, 0);
    return 0;
}
