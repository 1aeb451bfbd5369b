"""The CDK app that defines every AWS resource of Tradewind, for the cloud and the local cloud alike."""
