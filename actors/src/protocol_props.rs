//! Property tests of the wire decoders: whatever bytes a client sends, decoding answers a frame
//! or an error, never a panic, in both encodings; and every frame a client can build survives
//! its own encoding. (The cargo-fuzz targets of issue 14 will drive the same entry points.)

use crate::protocol::{ClientFrame, Encoding, decode};
use proptest::prelude::*;
use veza_core::{RoomId, Seq};

fn client_frame() -> impl Strategy<Value = ClientFrame> {
    let room = any::<u128>().prop_map(RoomId::from_u128);
    prop_oneof![
        (room.clone(), proptest::option::of(any::<i64>()))
            .prop_map(|(room, s)| ClientFrame::Join { room, last_seen: s.map(Seq) }),
        room.clone().prop_map(|room| ClientFrame::Leave { room }),
        (room.clone(), any::<String>(), any::<String>()).prop_map(|(room, body, client_id)| ClientFrame::Send {
            room,
            body,
            client_id
        }),
        room.clone().prop_map(|room| ClientFrame::Typing { room }),
        (room, any::<i64>()).prop_map(|(room, up_to)| ClientFrame::Read { room, up_to: Seq(up_to) }),
        Just(ClientFrame::Ping),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_to_a_frame_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes, Encoding::Json);
        let _ = decode(&bytes, Encoding::MsgPack);
    }

    #[test]
    fn any_text_decodes_to_a_frame_or_an_error(text in ".{0,256}") {
        let _ = decode(text.as_bytes(), Encoding::Json);
        let _ = decode(text.as_bytes(), Encoding::MsgPack);
    }

    #[test]
    fn every_client_frame_round_trips_in_both_encodings(f in client_frame()) {
        let json = serde_json::to_vec(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decode(&json, Encoding::Json), Ok(f.clone()));
        let mp = rmp_serde::to_vec_named(&f).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decode(&mp, Encoding::MsgPack), Ok(f));
    }
}
