/*
 * A target whose threads come and go all the time: its main thread and a second one each
 * create four short-lived threads and join them, in a loop. On SIGUSR1 the main thread
 * prints how many rounds it has done ("rounds N"), so a test can see it still makes progress.
 * Prints its pid first.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t asked;
static volatile unsigned long sink;

static void on_usr1(int sig) {
    (void) sig;
    asked = 1;
}

static void *work(void *arg) {
    for (unsigned long i = 0; i < 1000; i++) sink += i + (unsigned long) arg;
    return NULL;
}

static unsigned long churn_round(void) {
    pthread_t threads[4];
    int started = 0;
    for (int i = 0; i < 4; i++) {
        if (pthread_create(&threads[started], NULL, work, NULL) == 0) started++;
    }
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    return 1;
}

static void *second_churner(void *arg) {
    (void) arg;
    for (;;) churn_round();
    return NULL;
}

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr1;
    sigaction(SIGUSR1, &action, NULL);
    pthread_t second;
    pthread_create(&second, NULL, second_churner, NULL);
    printf("%d\n", (int) getpid());
    fflush(stdout);
    unsigned long rounds = 0;
    for (;;) {
        rounds += churn_round();
        if (asked) {
            asked = 0;
            printf("rounds %lu\n", rounds);
            fflush(stdout);
        }
    }
}
