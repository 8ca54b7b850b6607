//! The checkpoint-store contract (`elbship_aws::checkpoints::contract`) against DynamoDB on the local stack: the
//! same cases the in-memory store passes, on the table and the conditional writes the functions use.

use elbship_aws::checkpoints::{contract, dynamo::DynamoCheckpoints};
use elbship_e2e::{unique, Stack};

#[tokio::test]
async fn dynamodb_keeps_the_checkpoint_store_contract() {
    let _stack = Stack::connect().await;
    let table = std::env::var("ELBSHIP_CHECKPOINT_TABLE").unwrap_or_else(|_| panic!("the local stack's environment"));
    let sdk = elbship_aws::clients::load().await;
    let store = DynamoCheckpoints::new(elbship_aws::clients::dynamodb(&sdk), table);
    contract::run(&store, &format!("{}/", unique("contract"))).await;
}
