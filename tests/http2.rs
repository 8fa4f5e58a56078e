//! HTTP/2: viewers with prior knowledge (h2c) on the plain listener, origins over HTTP/2 when
//! configured, and gRPC pass-through (unary and server streaming, `grpc-status` trailers) on a
//! behavior with `grpc = true`, using tonic on both ends.

mod support;

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tonic::{Code, Status};

use support::stream_origin::{boxed, serve};
use support::Localfront;

/// `test.Greeter`'s messages, written by hand as prost-build would generate them (no protoc).
#[derive(Clone, PartialEq, prost::Message)]
struct HelloRequest {
    #[prost(string, tag = "1")]
    name: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct HelloReply {
    #[prost(string, tag = "1")]
    message: String,
}

/// `rpc SayHello(HelloRequest) returns (HelloReply)`; the name `nobody` is `NOT_FOUND`.
struct SayHello;

impl tonic::server::UnaryService<HelloRequest> for SayHello {
    type Response = HelloReply;
    type Future = Ready<Result<tonic::Response<HelloReply>, Status>>;

    fn call(&mut self, req: tonic::Request<HelloRequest>) -> Self::Future {
        let name = req.into_inner().name;
        ready(match name.as_str() {
            "nobody" => Err(Status::not_found("nobody to greet")),
            _ => Ok(tonic::Response::new(HelloReply {
                message: format!("hello {name}"),
            })),
        })
    }
}

/// `rpc Countdown(HelloRequest) returns (stream HelloReply)`: three replies, then the status
/// `ABORTED` — sent in the trailers, after the messages.
struct Countdown;

type Replies = futures_util::stream::Iter<std::vec::IntoIter<Result<HelloReply, Status>>>;

impl tonic::server::ServerStreamingService<HelloRequest> for Countdown {
    type Response = HelloReply;
    type ResponseStream = Replies;
    type Future = Ready<Result<tonic::Response<Replies>, Status>>;

    fn call(&mut self, req: tonic::Request<HelloRequest>) -> Self::Future {
        let name = req.into_inner().name;
        let mut replies: Vec<Result<HelloReply, Status>> = (1..=3)
            .rev()
            .map(|i| {
                Ok(HelloReply {
                    message: format!("{i} {name}"),
                })
            })
            .collect();
        replies.push(Err(Status::aborted("countdown over")));
        ready(Ok(tonic::Response::new(futures_util::stream::iter(
            replies,
        ))))
    }
}

/// A gRPC origin speaking HTTP/2 with prior knowledge (h2c), as gRPC servers do in cleartext.
async fn greeter_origin() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|req: http::Request<Incoming>| async move {
                    let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
                    let res = match req.uri().path() {
                        "/test.Greeter/SayHello" => grpc.unary(SayHello, req).await,
                        "/test.Greeter/Countdown" => grpc.server_streaming(Countdown, req).await,
                        _ => Status::unimplemented("no such method").into_http(),
                    };
                    Ok::<_, Infallible>(res)
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// localfront with h2c on, in front of the greeter on a gRPC behavior.
async fn grpc_edge(origin: SocketAddr) -> Localfront {
    Localfront::builder()
        .server("h2c = true")
        .raw_origin(
            "greeter",
            &format!(
                "domain_name = \"127.0.0.1\"\nhttp_port = {}\nhttp_version = \"http2\"",
                origin.port()
            ),
        )
        .default_behavior(
            "greeter",
            "grpc = true\ncache_policy = \"CachingDisabled\"\n\
             allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]",
        )
        .start()
        .await
}

async fn client(lf: &Localfront) -> tonic::client::Grpc<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", lf.http))
        .unwrap()
        .connect()
        .await
        .unwrap();
    tonic::client::Grpc::new(channel)
}

#[tokio::test]
async fn a_unary_grpc_call_passes_through_with_its_status() {
    let lf = grpc_edge(greeter_origin().await).await;
    let mut grpc = client(&lf).await;
    let path = http::uri::PathAndQuery::from_static("/test.Greeter/SayHello");

    grpc.ready().await.unwrap();
    let reply = grpc
        .unary(
            tonic::Request::new(HelloRequest {
                name: "viewer".into(),
            }),
            path.clone(),
            tonic_prost::ProstCodec::<HelloRequest, HelloReply>::default(),
        )
        .await
        .unwrap();
    assert_eq!(reply.get_ref().message, "hello viewer");
    assert!(reply.metadata().contains_key("x-amz-cf-id"));

    grpc.ready().await.unwrap();
    let err = grpc
        .unary(
            tonic::Request::new(HelloRequest {
                name: "nobody".into(),
            }),
            path,
            tonic_prost::ProstCodec::<HelloRequest, HelloReply>::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(err.message(), "nobody to greet");
}

#[tokio::test]
async fn a_server_streaming_grpc_call_keeps_its_messages_and_trailers() {
    let lf = grpc_edge(greeter_origin().await).await;
    let mut grpc = client(&lf).await;
    grpc.ready().await.unwrap();
    let res = grpc
        .server_streaming(
            tonic::Request::new(HelloRequest {
                name: "liftoff".into(),
            }),
            http::uri::PathAndQuery::from_static("/test.Greeter/Countdown"),
            tonic_prost::ProstCodec::<HelloRequest, HelloReply>::default(),
        )
        .await
        .unwrap();
    let mut stream = res.into_inner();
    let mut messages = Vec::new();
    let status = loop {
        match stream.message().await {
            Ok(Some(m)) => messages.push(m.message),
            Ok(None) => panic!("the stream ended without its status"),
            Err(status) => break status,
        }
    };
    assert_eq!(messages, ["3 liftoff", "2 liftoff", "1 liftoff"]);
    // `grpc-status: 10` and `grpc-message` arrive in the trailers, after the messages.
    assert_eq!(status.code(), Code::Aborted);
    assert_eq!(status.message(), "countdown over");
}

/// An origin answering with the HTTP version it was spoken to in.
async fn version_origin() -> SocketAddr {
    serve(|req| async move {
        let version = format!("{:?}", req.version());
        http::Response::new(boxed(Full::new(Bytes::from(version))))
    })
    .await
}

#[tokio::test]
async fn h2c_viewers_are_served_and_origins_get_the_version_configured() {
    let h1 = version_origin().await;
    let h2 = version_origin().await;
    let lf = Localfront::builder()
        .server("h2c = true")
        .raw_origin(
            "h1",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", h1.port()),
        )
        .raw_origin(
            "h2",
            &format!(
                "domain_name = \"127.0.0.1\"\nhttp_port = {}\nhttp_version = \"http2\"",
                h2.port()
            ),
        )
        .behavior("/h2/*", "h2", "cache_policy = \"CachingDisabled\"")
        .default_behavior("h1", "cache_policy = \"CachingDisabled\"")
        .start()
        .await;

    let h2c = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let url = |path: &str| format!("http://{}{path}", lf.http);

    let res = h2c.get(url("/page")).send().await.unwrap();
    assert_eq!(res.version(), http::Version::HTTP_2);
    // CloudFront's Via names the viewer's protocol version.
    assert!(res.headers()["via"].to_str().unwrap().starts_with("2.0 "));
    // Custom origins are spoken to over HTTP/1.1 unless configured otherwise.
    assert_eq!(res.text().await.unwrap(), "HTTP/1.1");

    let res = h2c.get(url("/h2/page")).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "HTTP/2.0");

    // HTTP/1.1 viewers still work on the same listener.
    let res = lf.get("/h2/page").await;
    assert_eq!(res.version(), http::Version::HTTP_11);
    assert_eq!(res.text().await.unwrap(), "HTTP/2.0");
}
