/*
 * Running blocking work for a request in nginx's thread pool.
 *
 * Database, Redis and file work must never run on the event loop: one slow
 * PostgreSQL would stall every connection of the worker process.  A handler
 * creates a job, fills its data, and returns what ngx_http_blackbox_job_post
 * returns.  The job's run() executes in a pool thread and may block; its
 * done() runs back on the event loop and answers the request.
 *
 * While the job runs the request is marked blocked, so that nginx does not
 * free the pool that the thread is writing into.  A content handler's job
 * also holds one extra reference (r->main->count, as when reading a body)
 * that its done() answer releases.  A job without done() was posted from
 * an earlier phase (access): it resumes the phases where they stopped.
 */

#include "ngx_http_blackbox_module.h"


static void ngx_http_blackbox_job_handler(void *data, ngx_log_t *log);
static void ngx_http_blackbox_job_event_handler(ngx_event_t *ev);


ngx_http_blackbox_job_t *
ngx_http_blackbox_job_create(ngx_http_request_t *r, size_t size)
{
    ngx_thread_task_t        *task;
    ngx_http_blackbox_job_t  *job;

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_blackbox_job_t) + size);
    if (task == NULL) {
        return NULL;
    }

    job = task->ctx;
    job->request = r;
    job->task = task;
    job->data = (u_char *) job + sizeof(ngx_http_blackbox_job_t);

    task->handler = ngx_http_blackbox_job_handler;
    task->event.data = task;
    task->event.handler = ngx_http_blackbox_job_event_handler;

    return job;
}


/*
 * Queues the job.  Returns NGX_OK, or NGX_ERROR (logged) when the thread
 * pool's queue is full.
 */
ngx_int_t
ngx_http_blackbox_job_queue(ngx_http_request_t *r,
    ngx_http_blackbox_job_t *job)
{
    ngx_http_blackbox_main_conf_t  *bmcf;

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    if (ngx_thread_task_post(bmcf->thread_pool, job->task) != NGX_OK) {
        return NGX_ERROR;
    }

    if (job->done != NULL) {
        r->main->count++;
    }

    r->main->blocked++;
    r->aio = 1;

    /*
     * A client closing the connection meanwhile wakes its write event too
     * (epoll reports a hang-up as writable), whose handler would run the
     * phases again: the same handler, a second job, and a request answered
     * twice and freed under the first.  Nothing is to be written until the
     * job is done.
     */
    r->write_event_handler = ngx_http_request_empty_handler;

    return NGX_OK;
}


/*
 * For content handlers: returns NGX_DONE once the job is queued (the
 * handler returns it as is), or answers 503 when the queue is full.
 */
ngx_int_t
ngx_http_blackbox_job_post(ngx_http_request_t *r, ngx_http_blackbox_job_t *job)
{
    if (ngx_http_blackbox_job_queue(r, job) != NGX_OK) {
        return ngx_http_blackbox_send_status(r, BB_ERR_UNAVAILABLE,
                                             "the thread pool queue is full",
                                             0);
    }

    return NGX_DONE;
}


static void
ngx_http_blackbox_job_handler(void *data, ngx_log_t *log)
{
    ngx_http_blackbox_job_t  *job = data;

    job->run(job->data);
}


static void
ngx_http_blackbox_job_event_handler(ngx_event_t *ev)
{
    ngx_int_t                 rc;
    ngx_connection_t         *c;
    ngx_thread_task_t        *task;
    ngx_http_request_t       *r;
    ngx_http_blackbox_job_t  *job;

    task = ev->data;
    job = task->ctx;
    r = job->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;

    if (job->done == NULL) {
        r->write_event_handler = ngx_http_core_run_phases;
        ngx_http_core_run_phases(r);

    } else {
        rc = job->done(r, job->data);
        ngx_http_finalize_request(r, rc);
    }

    ngx_http_run_posted_requests(c);
}

