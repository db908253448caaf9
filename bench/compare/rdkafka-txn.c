/*
 * bench/compare contestant: librdkafka in transactions (rdkafka_performance has no transactional mode).
 * init_transactions() once, then per transaction begin_transaction(), produce() of N records (polling for
 * delivery reports, and waiting on a full queue), commit_transaction() (which flushes first), timed from the
 * call to its return. Speaks the Node contestants' line protocol: `PROGRESS acked` on stderr, one
 * `RESULT {json}` line on stdout.
 *
 * rdkafka-txn bootstrap topic records perTransaction size pattern batchSize lingerMs
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long acked = 0, errors = 0;
static char first_error[512] = "";

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (errors++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(m->err));
  }
  acked++;
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
  char why[512];
  if (rd_kafka_conf_set(conf, name, value, why, sizeof why) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "rdkafka-txn: %s=%s: %s\n", name, value, why);
    exit(2);
  }
}

static void check(rd_kafka_error_t *error, const char *what) {
  if (error) {
    fprintf(stderr, "rdkafka-txn: %s failed: %s\n", what, rd_kafka_error_string(error));
    exit(1);
  }
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, long n, double fraction) {
  long rank = (long)(n * fraction + 0.999999) - 1;
  if (rank < 0) rank = 0;
  if (rank >= n) rank = n - 1;
  return sorted[rank];
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s bootstrap topic records perTransaction size pattern batchSize lingerMs\n", argv[0]);
    return 2;
  }
  const char *topic = argv[2];
  long long records = atoll(argv[3]);
  long per_transaction = atol(argv[4]);
  size_t size = (size_t)atol(argv[5]);
  const char *pattern = argv[6];
  char *value = malloc(size);
  for (size_t i = 0; i < size; i++) value[i] = pattern[i % strlen(pattern)];

  char transactional_id[300];
  snprintf(transactional_id, sizeof transactional_id, "bench-compare-librdkafka-%s", topic);
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[1]);
  set(conf, "transactional.id", transactional_id);
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "true");
  set(conf, "batch.size", argv[7]);
  set(conf, "linger.ms", argv[8]);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char why[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
  if (!rk) {
    fprintf(stderr, "rdkafka-txn: %s\n", why);
    return 1;
  }
  check(rd_kafka_init_transactions(rk, 60000), "init_transactions");
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  /* Metadata before the clock. */
  const struct rd_kafka_metadata *metadata;
  if (rd_kafka_metadata(rk, 0, rkt, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
    rd_kafka_metadata_destroy(metadata);

  long transactions = (long)((records + per_transaction - 1) / per_transaction);
  double *commit_ms = calloc((size_t)transactions, sizeof(double));
  double start = now_ms(), last_progress = start;
  long long sent = 0;
  for (long t = 0; t < transactions; t++) {
    check(rd_kafka_begin_transaction(rk), "begin_transaction");
    long long count = records - sent < per_transaction ? records - sent : per_transaction;
    for (long long i = 0; i < count; i++) {
      while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value, size, NULL, 0, NULL) ==
             -1) {
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          fprintf(stderr, "rdkafka-txn: produce failed: %s\n", rd_kafka_err2str(err));
          return 1;
        }
        rd_kafka_poll(rk, 10);
      }
      rd_kafka_poll(rk, 0);
    }
    sent += count;
    double at = now_ms();
    check(rd_kafka_commit_transaction(rk, 60000), "commit_transaction");
    commit_ms[t] = now_ms() - at;
    rd_kafka_poll(rk, 0);
    if (now_ms() - last_progress > 250) {
      last_progress = now_ms();
      fprintf(stderr, "PROGRESS %lld\n", acked);
    }
  }
  /* Every delivery report of the last transaction is served before the clock stops. */
  while (acked < sent) rd_kafka_poll(rk, 10);
  double seconds = (now_ms() - start) / 1e3;
  fprintf(stderr, "PROGRESS %lld\n", acked);
  qsort(commit_ms, (size_t)transactions, sizeof(double), by_value);
  printf("RESULT {\"records\":%lld,\"sent\":%lld,\"expected\":%lld,\"errors\":%lld,\"firstError\":%s%s%s,"
         "\"seconds\":%.6f,\"latencyMs\":{\"p50\":null,\"p99\":null},\"commitLatencyMs\":{\"p50\":%.3f,\"p99\":%.3f},"
         "\"transactions\":%ld,\"settings\":{\"librdkafka\":\"%s\",\"transactional.id\":\"bench-compare-librdkafka-<topic>\","
         "\"acks\":\"all\",\"enable.idempotence\":true,\"batch.size\":%s,\"linger.ms\":%s,\"records per transaction\":%ld}}\n",
         acked, sent, records, errors, errors ? "\"" : "", errors ? first_error : "null", errors ? "\"" : "", seconds,
         percentile(commit_ms, transactions, 0.5), percentile(commit_ms, transactions, 0.99), transactions,
         rd_kafka_version_str(), argv[7], argv[8], per_transaction);
  fflush(stdout);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return 0;
}
