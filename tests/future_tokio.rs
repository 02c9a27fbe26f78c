//! tokio's futures inside green threads (the `tokio` cargo feature): a scheduler given a
//! tokio runtime handle (`Builder::tokio_handle`) enters it around each poll of
//! `future::await_`, so `tokio::time::sleep` and `tokio::net::TcpStream` find tokio's
//! reactor. Run: `cargo test --features tokio --test future_tokio`.
//!
//! Python: awaiting another loop's futures (`asyncio.wrap_future`), here tokio's reactor
//! serving green threads.
#![cfg(feature = "tokio")]

#[macro_use]
mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yieldpoint::future::await_;

/// A multi-thread tokio runtime: its own worker drives its reactor and timers while green
/// threads wait.
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

on_both_schedulers! {
    /// A green thread awaits a tokio timer, while another green thread of the scheduler
    /// runs (the timer parks only the green thread).
    #[test]
    fn a_green_thread_awaits_a_tokio_timer() {
        let tokio = tokio_runtime();
        let rt = builder().tokio_handle(tokio.handle().clone()).build();
        let order = rt.block_on(|| {
            let (tx, rx) = yieldpoint::sync::channel::unbounded();
            let sleeper_tx = tx.clone();
            let sleeper = yieldpoint::spawn(move || {
                await_(tokio::time::sleep(Duration::from_millis(20)));
                sleeper_tx.send("slept").unwrap();
            });
            let other = yieldpoint::spawn(move || tx.send("ran meanwhile").unwrap());
            other.join().unwrap();
            sleeper.join().unwrap();
            rx.iter().collect::<Vec<_>>()
        });
        assert_eq!(order, ["ran meanwhile", "slept"]);
    }

    /// A green thread talks to a tokio echo server over a tokio loopback `TcpStream`.
    #[test]
    fn a_green_thread_uses_a_tokio_tcp_stream() {
        let tokio = tokio_runtime();
        let listener = tokio
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio.spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 64];
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                socket.write_all(&buf[..n]).await.unwrap();
            }
        });
        let rt = builder().tokio_handle(tokio.handle().clone()).build();
        let echoed = rt.block_on(move || {
            let mut stream = await_(tokio::net::TcpStream::connect(addr)).unwrap();
            await_(stream.write_all(b"ping")).unwrap();
            let mut reply = [0u8; 4];
            await_(stream.read_exact(&mut reply)).unwrap();
            reply
        });
        assert_eq!(&echoed, b"ping");
    }

    /// Without a handle, tokio's timer panics on its first poll with tokio's message; the
    /// panic is the task's (`JoinError`), the scheduler goes on.
    #[test]
    fn without_a_handle_a_tokio_timer_panics_in_its_task() {
        let rt = rt();
        let error = rt.block_on(|| {
            yieldpoint::spawn(|| await_(tokio::time::sleep(Duration::from_millis(1))))
                .join()
                .unwrap_err()
        });
        assert!(error.is_panic());
        assert!(error.to_string().contains("Tokio 1.x runtime"), "{error}");
    }
}
